"""M/M/c in SimPy, the model Scalelab's `mmc` preset runs: Poisson arrivals at 150/s, one queue,
four servers, exponential service with a 20 ms mean. Prints one JSON line: simulated seconds,
customers served, SimPy events processed, and wall time.

    python scripts/simpy_mmc.py SIMULATED_SECONDS
"""
import json
import random
import sys
import time

import simpy

ARRIVAL_RATE = 150.0
SERVERS = 4
MEAN_SERVICE_S = 0.020


class CountingEnvironment(simpy.Environment):
    """Counts every event SimPy processes (a short run only: the count slows SimPy down)."""

    def __init__(self):
        super().__init__()
        self.events_processed = 0

    def step(self):
        self.events_processed += 1
        super().step()


def customer(env, desk, served):
    with desk.request() as turn:
        yield turn
        yield env.timeout(random.expovariate(1.0 / MEAN_SERVICE_S))
    served[0] += 1


def arrivals(env, desk, served):
    while True:
        yield env.timeout(random.expovariate(ARRIVAL_RATE))
        env.process(customer(env, desk, served))


def run(env, seconds):
    random.seed(42)
    desk = simpy.Resource(env, capacity=SERVERS)
    served = [0]
    env.process(arrivals(env, desk, served))
    start = time.perf_counter()
    env.run(until=seconds)
    return served[0], time.perf_counter() - start


def main():
    seconds = float(sys.argv[1])
    # Events per customer from a short counted run; the timed run is plain SimPy.
    counting = CountingEnvironment()
    counted_served, _ = run(counting, min(seconds, 1000.0))
    served, wall = run(simpy.Environment(), seconds)
    events = round(served * counting.events_processed / max(counted_served, 1))
    print(json.dumps({"simulated_s": seconds, "served": served, "events": events, "wall_s": wall}))


if __name__ == "__main__":
    main()
