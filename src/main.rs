//! Trunk's entry point: mounts the app (everything else lives in the library, so browser tests can
//! mount the same components).

fn main() {
    scalelab::start();
}
