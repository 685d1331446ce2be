//! The balancer's unit tests.

use super::*;

const KEY: RequestKey = RequestKey { user: 7, address: [10, 0, 0, 7] };

fn pool(algorithm: Algorithm, weights: &[u32]) -> Balancer {
    let mut b = Balancer::new(algorithm, None);
    for &w in weights {
        b.add_server(w, 2, true);
    }
    b
}

fn picks(b: &mut Balancer, n: usize) -> Vec<u32> {
    let mut rng = Rng::from_seed(1);
    (0..n).map(|_| b.pick(KEY, &mut rng, &[]).unwrap()).collect()
}

#[test]
fn the_chunked_scan_finds_what_a_plain_scan_finds() {
    // Lengths around the chunk width, few distinct costs (many ties) and every start.
    let mut rng = Rng::from_seed(11);
    for n in 1..40 {
        for _ in 0..20 {
            let costs: Vec<f64> = (0..n).map(|_| f64::from(rng.below(4))).collect();
            for start in 0..n {
                let min = costs.iter().copied().fold(f64::INFINITY, f64::min);
                let plain = (0..n).map(|k| (start + k) % n).find(|&i| costs[i] == min).unwrap();
                assert_eq!(first_minimum_from(&costs, start), plain, "{costs:?} from {start}");
            }
        }
    }
}

#[test]
fn smooth_weighted_round_robin_reproduces_nginx() {
    // semantics.md §1.2: weights 5, 1, 1 give a a b a c a a.
    let mut b = pool(Algorithm::RoundRobin, &[5, 1, 1]);
    assert_eq!(picks(&mut b, 14), [0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0]);
}

#[test]
fn round_robin_takes_turns_and_survives_removal() {
    let mut b = pool(Algorithm::RoundRobin, &[1, 1, 1]);
    assert_eq!(picks(&mut b, 4), [0, 1, 2, 0]);
    b.remove_server(1);
    assert_eq!(picks(&mut b, 3), [2, 0, 2]);
    b.add_server(1, 2, true);
    assert_eq!(picks(&mut b, 3), [0, 2, 3]);
}

#[test]
fn least_connections_prefers_the_idle_and_breaks_ties_in_turn() {
    let mut b = pool(Algorithm::LeastConnections, &[1, 1, 1]);
    assert_eq!(picks(&mut b, 3), [0, 1, 2]);
    b.on_response(1, Some(SimTime(1)), SimTime(1));
    assert_eq!(picks(&mut b, 1), [1]);
    b.on_response(2, Some(SimTime(1)), SimTime(1));
    b.on_response(0, Some(SimTime(1)), SimTime(1));
    assert_eq!(picks(&mut b, 2), [2, 0]);
}

#[test]
fn weighted_least_connections_divides_by_weight() {
    let mut b = pool(Algorithm::LeastConnections, &[3, 1]);
    let chosen = picks(&mut b, 8);
    assert_eq!(chosen.iter().filter(|&&s| s == 0).count(), 6, "{chosen:?}");
}

#[test]
fn two_choices_never_picks_the_most_loaded_of_two() {
    let mut b = pool(Algorithm::PowerOfTwoChoices, &[1, 1]);
    b.backends[0].outstanding = 5;
    assert_eq!(picks(&mut b, 5), [1, 1, 1, 1, 1]);
}

#[test]
fn weighted_random_follows_the_weights() {
    let mut b = pool(Algorithm::Random, &[3, 1]);
    let chosen = picks(&mut b, 4_000);
    let share = chosen.iter().filter(|&&s| s == 0).count() as f64 / 4_000.0;
    assert!((share - 0.75).abs() < 0.03, "{share}");
}

#[test]
fn first_available_fills_servers_in_order() {
    let mut b = pool(Algorithm::FirstAvailable, &[1, 1, 1]);
    assert_eq!(picks(&mut b, 5), [0, 0, 1, 1, 2]);
    let mut rng = Rng::from_seed(0);
    assert_eq!(b.pick(KEY, &mut rng, &[]), Ok(2));
    // Every server is at its maxconn: the request has to wait, until a slot frees.
    assert_eq!(b.pick(KEY, &mut rng, &[]), Err(Unplaced::AllFull));
    b.on_response(1, None, SimTime::ZERO);
    assert_eq!(b.pick(KEY, &mut rng, &[]), Ok(1));
}

#[test]
fn hashing_keeps_a_user_on_one_server_and_moves_on_when_it_is_down() {
    for algorithm in [Algorithm::SourceIpHash, Algorithm::ConsistentHash] {
        let mut b = pool(algorithm, &[1, 1, 1, 1]);
        let home = picks(&mut b, 5);
        assert!(home.iter().all(|&s| s == home[0]), "{algorithm:?} {home:?}");
        b.set_in_rotation(home[0], false);
        let away = picks(&mut b, 3);
        assert!(away.iter().all(|&s| s == away[0] && s != home[0]), "{algorithm:?} {away:?}");
        b.set_in_rotation(home[0], true);
        assert_eq!(picks(&mut b, 1)[0], home[0], "{algorithm:?}");
    }
}

#[test]
fn ip_hash_finds_the_server_nginx_walks_to() {
    // nginx's loop (ngx_http_upstream_ip_hash.c): subtract weights in id order until the
    // remainder falls inside a server's share; removed servers are not in the walk.
    fn nginx_first_choice(b: &Balancer, address: [u8; 4]) -> u32 {
        let configured: Vec<u32> =
            (0..b.backends.len() as u32).filter(|&s| b.backends[s as usize].configured).collect();
        let total: u32 = configured.iter().map(|&s| b.weight(s)).sum();
        let mut w = ip_hash_step(IP_HASH_START, address) % total;
        for &s in &configured {
            if w < b.weight(s) {
                return s;
            }
            w -= b.weight(s);
        }
        unreachable!("w < total")
    }
    let mut b = pool(Algorithm::SourceIpHash, &[5, 1, 3, 1, 2, 7, 1]);
    b.remove_server(2);
    b.set_size(5, 4, 2);
    let mut rng = Rng::from_seed(9);
    for user in 0..2_000 {
        let address = [10, (user / 256) as u8, (user % 256) as u8, 1];
        let key = RequestKey { user, address };
        assert_eq!(b.pick(key, &mut rng, &[]), Ok(nginx_first_choice(&b, address)), "{address:?}");
    }
}

#[test]
fn bounded_loads_cap_a_hot_key() {
    let mut b = Balancer::new(Algorithm::ConsistentHash, Some(150));
    for _ in 0..4 {
        b.add_server(1, 100, true);
    }
    let chosen = picks(&mut b, 40);
    let most = (0..4).map(|s| chosen.iter().filter(|&&c| c == s).count()).max().unwrap();
    // At most 1.5 × the average (10) plus the rounding of the running bound.
    assert!(most <= 16, "{chosen:?}");
}

#[test]
fn peak_ewma_jumps_up_and_decays_down() {
    let mut b = pool(Algorithm::PeakEwma, &[1, 1]);
    b.backends[0].outstanding = 1;
    b.on_response(0, Some(SimTime::from_millis(100)), SimTime::from_secs(1));
    assert_eq!(b.ewma_ms(0), 100.0);
    b.backends[0].outstanding = 1;
    b.on_response(0, Some(SimTime::from_millis(10)), SimTime::from_secs(11));
    let expected = 100.0 * (-1.0f64).exp() + 10.0 * (1.0 - (-1.0f64).exp());
    assert!((b.ewma_ms(0) - expected).abs() < 1e-9);
    // Server 1 has no history (0 ms) and wins.
    assert_eq!(picks(&mut b, 1), [1]);
}

#[test]
fn tried_servers_are_skipped() {
    let mut b = pool(Algorithm::RoundRobin, &[1, 1]);
    let mut rng = Rng::from_seed(0);
    assert_eq!(b.pick(KEY, &mut rng, &[0]), Ok(1));
    assert_eq!(b.pick(KEY, &mut rng, &[0, 1]), Err(Unplaced::NoServer));
}
