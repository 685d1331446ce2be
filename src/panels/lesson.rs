//! The lesson text beside the first scenario, in our own words.

use yew::prelude::*;

#[function_component(Lesson)]
pub fn lesson() -> Html {
    html! {
        <section class="lesson" aria-label="About this scenario">
            <h2>{ "What you are looking at" }</h2>
            <p>{ "Clients send requests at random moments (a Poisson process, like real users). \
                  The load balancer hands each one to a server. A server works on a few requests at \
                  once (its slots); the rest wait in its queue, and when the queue is full the server \
                  answers 503 at once." }</p>
            <p>{ "Watch the latency chart as you raise the arrival rate: while the servers are mostly \
                  idle, latency barely moves; past about 80% load it climbs steeply, because queues \
                  grow faster than they drain. That curve is the reason systems scale out before \
                  they are full." }</p>
            <h3>{ "Try this" }</h3>
            <ul>
                <li>{ "Raise the arrival rate to 400 requests/s: the servers are exactly full. What happens to p99?" }</li>
                <li>{ "Switch the service time to log-normal, then compare round robin with least connections." }</li>
                <li>{ "Halve the servers and double their speed: same capacity, different latency?" }</li>
            </ul>
        </section>
    }
}
