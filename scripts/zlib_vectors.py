"""Writes crates/sim/tests/fixtures/zlib_vectors.json: what Python's zlib.compress (zlib 1.2.13,
as Flask uses it for session cookies) writes for inputs both sides generate from a seed, so
that Scalelab's port (sim::zlib) can be checked byte for byte without Python. Each case keeps
the output's length and SHA-1. Run by hand; the fixture is committed.

    python3 scripts/zlib_vectors.py > crates/sim/tests/fixtures/zlib_vectors.json
"""
import hashlib
import json
import zlib

MASK = (1 << 64) - 1
# Inputs of a few kinds: few symbols (long matches), text-like, JSON-like, any byte.
ALPHABETS = ["ab", "abc d", "xxxxxxxxy", 'the quick brown fox, {"cart":[1,2]}', "".join(map(chr, range(32, 127)))]


def generate(seed, alphabet, length, runs):
    """An LCG (Knuth's MMIX constants) picks symbols; `runs` repeats a recent stretch now and
    then, so that matches are near and far. The Rust test generates the same bytes."""
    x, out = seed, bytearray()
    symbols = (alphabet.encode("latin-1") if alphabet != "*" else bytes(range(256)))
    while len(out) < length:
        x = (x * 6364136223846793005 + 1442695040888963407) & MASK
        r = x >> 33
        if runs and out and r % 7 == 0:
            back = 1 + (r >> 3) % min(len(out), 40000)
            n = 3 + (r >> 20) % 300
            for _ in range(n):
                out.append(out[-back])
        else:
            out.append(symbols[r % len(symbols)])
    return bytes(out[:length])


def main():
    cases = []
    lengths = [0, 1, 2, 3, 4, 5, 17, 100, 300, 1000, 4000, 20000, 40000, 65000, 70000, 140000]
    seed = 1
    for alphabet in ALPHABETS + ["*"]:
        for length in lengths:
            for runs in (False, True):
                seed += 1
                data = generate(seed, alphabet, length, runs)
                out = zlib.compress(data)
                cases.append({"seed": seed, "alphabet": alphabet, "length": length, "runs": runs,
                              "compressed_length": len(out), "sha1": hashlib.sha1(out).hexdigest()})
    print(json.dumps({"zlib": zlib.ZLIB_RUNTIME_VERSION, "cases": cases}, indent=1))


main()
