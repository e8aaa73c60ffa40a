//! The walking network against brute force on small random networks: Floyd–Warshall over
//! the graph with the snapped points spliced in, and all k-subsets for greedy covering.

use geo::{Coord, Distance, Euclidean, Haversine, LineString, Point};
use minsheng::network::{Snap, WalkNetwork, greedy_max_cover, straight_line_m};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const GRID: usize = 8;
const SPACING_DEG: f64 = 0.0008;
const ORIGIN: Coord = Coord { x: 116.3, y: 39.9 };

/// 30 random walks over a jittered grid; walks share the grid coordinates exactly, so they
/// are noded where they meet, and they also cross without sharing.
fn random_network(rng: &mut ChaCha8Rng) -> WalkNetwork {
    let grid: Vec<Coord> = (0..GRID * GRID)
        .map(|i| Coord {
            x: ORIGIN.x + (i % GRID) as f64 * SPACING_DEG + rng.random_range(-0.3..0.3) * SPACING_DEG,
            y: ORIGIN.y + (i / GRID) as f64 * SPACING_DEG + rng.random_range(-0.3..0.3) * SPACING_DEG,
        })
        .collect();
    let lines: Vec<LineString> = (0..30)
        .map(|_| {
            let (mut gx, mut gy) = (rng.random_range(0..GRID), rng.random_range(0..GRID));
            let mut coords = vec![grid[gy * GRID + gx]];
            for _ in 0..rng.random_range(1..6) {
                match rng.random_range(0..4) {
                    0 if gx + 1 < GRID => gx += 1,
                    1 if gx > 0 => gx -= 1,
                    2 if gy + 1 < GRID => gy += 1,
                    3 if gy > 0 => gy -= 1,
                    _ => continue,
                }
                coords.push(grid[gy * GRID + gx]);
            }
            LineString::new(coords)
        })
        .collect();
    WalkNetwork::from_lines(&lines).with_max_access_m(100_000.0)
}

fn random_point(rng: &mut ChaCha8Rng) -> Point {
    let span = GRID as f64 * SPACING_DEG;
    Point::new(ORIGIN.x + rng.random_range(-0.1..1.1) * span, ORIGIN.y + rng.random_range(-0.1..1.1) * span)
}

/// A point a metre or so beside a random spot of the given edge.
fn point_beside(network: &WalkNetwork, edge: u32, rng: &mut ChaCha8Rng) -> Point {
    let e = network.edges()[edge as usize];
    let (a, b) = (network.nodes()[e.from as usize], network.nodes()[e.to as usize]);
    let t = rng.random_range(0.05..0.95);
    Point::new(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y) + rng.random_range(-1e-5..1e-5))
}

/// All-pairs shortest paths over the network with every snapped point added as a node that
/// splits its segment; returns the matrix and the node id of each snapped point.
fn floyd_warshall(network: &WalkNetwork, snaps: &[Snap]) -> (Vec<Vec<f64>>, Vec<usize>) {
    let first_extra = network.nodes().len();
    let n = first_extra + snaps.len();
    let mut d = vec![vec![f64::INFINITY; n]; n];
    for (i, row) in d.iter_mut().enumerate() {
        row[i] = 0.0;
    }
    for (id, e) in network.edges().iter().enumerate() {
        let mut points = vec![(0.0, e.from as usize), (1.0, e.to as usize)];
        points.extend(snaps.iter().enumerate().filter(|(_, s)| s.edge as usize == id).map(|(j, s)| (s.fraction, first_extra + j)));
        points.sort_by(|p, q| p.0.total_cmp(&q.0));
        for pair in points.windows(2) {
            let ((f0, u), (f1, v)) = (pair[0], pair[1]);
            let length = (f1 - f0) * e.length_m;
            d[u][v] = d[u][v].min(length);
            d[v][u] = d[v][u].min(length);
        }
    }
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                let via = d[i][k] + d[k][j];
                if via < d[i][j] {
                    d[i][j] = via;
                }
            }
        }
    }
    (d, (first_extra..n).collect())
}

#[test]
fn distances_match_floyd_warshall_on_random_networks() {
    let mut rng = ChaCha8Rng::seed_from_u64(50180);
    let mut same_segment_cases = 0;
    let mut bounded_cases = 0;
    let mut reachable_cases = 0;
    for _ in 0..12 {
        let network = random_network(&mut rng);
        let source_count = rng.random_range(1..4);
        let sources: Vec<Snap> = (0..source_count).map(|_| network.snap(random_point(&mut rng)).unwrap()).collect();
        // Random targets, plus some beside each source's own segment.
        let mut targets: Vec<Snap> = (0..20).map(|_| network.snap(random_point(&mut rng)).unwrap()).collect();
        for s in &sources {
            targets.push(network.snap(point_beside(&network, s.edge, &mut rng)).unwrap());
        }
        let snaps: Vec<Snap> = sources.iter().chain(&targets).copied().collect();
        let (all_pairs, id) = floyd_warshall(&network, &snaps);
        let unbounded = network.distances_from_sources(&sources, f64::INFINITY);
        let limit = rng.random_range(200.0..600.0);
        let bounded = network.distances_from_sources(&sources, limit);
        for (t, target) in targets.iter().enumerate() {
            let expected = (0..sources.len())
                .map(|s| sources[s].access_m + all_pairs[id[s]][id[sources.len() + t]] + target.access_m)
                .fold(f64::INFINITY, f64::min);
            let got = network.distance_to(&unbounded, target);
            // Random networks fall apart into pieces: unreachable is infinite on both sides.
            assert!(got == expected || (got - expected).abs() < 1e-6, "target {t}: {got} vs brute force {expected}");
            reachable_cases += usize::from(expected.is_finite());
            let got_bounded = network.distance_to(&bounded, target);
            if expected <= limit - 1e-6 {
                assert!((got_bounded - expected).abs() < 1e-6, "bounded target {t}: {got_bounded} vs {expected}");
                bounded_cases += 1;
            } else if expected > limit + 1e-6 {
                assert!(got_bounded.is_infinite(), "beyond the limit: {got_bounded}");
            }
            let straight = sources.iter().map(|s| straight_line_m(Point(s.point), Point(target.point))).fold(f64::INFINITY, f64::min);
            assert!(got >= straight * (1.0 - 1e-6), "network {got} below straight line {straight}");
            same_segment_cases += usize::from(sources.iter().any(|s| s.edge == target.edge));
        }
    }
    assert!(same_segment_cases >= 10, "only {same_segment_cases} same-segment cases");
    assert!(reachable_cases >= 100, "only {reachable_cases} reachable targets");
    assert!(bounded_cases >= 10, "only {bounded_cases} cases within the limit");
}

#[test]
fn a_target_on_the_source_segment_walks_straight_along_it() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let network = random_network(&mut rng);
    let edge = network.edges().iter().position(|e| e.length_m > 60.0).unwrap() as u32;
    let e = network.edges()[edge as usize];
    let (a, b) = (network.nodes()[e.from as usize], network.nodes()[e.to as usize]);
    let at = |t: f64| Point::new(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));
    let source = network.snap(at(0.1)).unwrap();
    let target = network.snap(at(0.9)).unwrap();
    assert_eq!((source.edge, target.edge), (edge, edge));
    let d = network.distances_from_sources(&[source], f64::INFINITY);
    let walked = network.distance_to(&d, &target);
    assert!((walked - 0.8 * e.length_m).abs() < 1e-6, "{walked} vs {}", 0.8 * e.length_m);
}

#[test]
fn points_beyond_the_access_cutoff_do_not_join() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let network = random_network(&mut rng).with_max_access_m(500.0);
    // About 1.1 km south of the grid's lowest row.
    let far = Point::new(ORIGIN.x + 0.002, ORIGIN.y - 0.01);
    assert!(network.snap(far).is_none());
    let near = Point::new(ORIGIN.x + 0.002, ORIGIN.y - 0.001);
    assert!(network.snap(near).is_some_and(|s| s.access_m <= 500.0));
    let lenient = network.with_max_access_m(5_000.0);
    assert!(lenient.snap(far).is_some_and(|s| s.access_m > 500.0));
}

#[test]
fn isochrones_hold_exactly_what_is_within_the_limit() {
    let mut rng = ChaCha8Rng::seed_from_u64(1000);
    for _ in 0..20 {
        let network = random_network(&mut rng);
        let source = network.snap(random_point(&mut rng)).unwrap();
        // Budgets from a fraction of a segment to several blocks.
        let limit = source.access_m + rng.random_range(5.0..500.0);
        let reached = network.isochrone(&source, limit);
        assert!(!reached.is_empty());
        let everywhere = network.distances_from_sources(&[source], f64::INFINITY);
        let distance_of = |c: Coord| network.distance_to(&everywhere, &network.snap(Point(c)).unwrap());
        let is_node = |c: &Coord| network.nodes().contains(c);
        for line in &reached {
            for &end in [line.0[0], line.0[1]].iter() {
                let d = distance_of(end);
                assert!(d <= limit + 1e-6, "reached end at {d} m, limit {limit}");
                // A piece ends at a node or exactly where the budget runs out.
                assert!(is_node(&end) || (d - limit).abs() < 1e-6, "cut at {d} m, limit {limit}");
            }
        }
        let ends: Vec<Coord> = reached.iter().flat_map(|l| [l.0[0], l.0[1]]).collect();
        for (n, &c) in network.nodes().iter().enumerate() {
            if everywhere.node_m[n] <= limit {
                assert!(ends.contains(&c), "node {n} at {} m is not on a reached piece", everywhere.node_m[n]);
            }
        }
        // Spots along random segments, a quarter on the source's own, are on a piece exactly
        // when they are within the limit.
        for i in 0..200 {
            let edge = if i % 4 == 0 { source.edge } else { rng.random_range(0..network.edges().len()) as u32 };
            let e = network.edges()[edge as usize];
            let (a, b) = (network.nodes()[e.from as usize], network.nodes()[e.to as usize]);
            let t = rng.random::<f64>();
            let spot = Point::new(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));
            let d = distance_of(spot.0);
            let on_piece = reached.iter().any(|l| Euclidean.distance(&spot, l) < 1e-10);
            if d < limit - 1e-6 {
                assert!(on_piece, "spot at {d} m missing, limit {limit}");
            } else if d > limit + 1e-6 {
                assert!(!on_piece, "spot at {d} m included, limit {limit}");
            }
        }
    }
}

#[test]
fn isochrone_polygon_covers_the_reached_lines() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let network = random_network(&mut rng);
    let source = network.snap(random_point(&mut rng)).unwrap();
    let reached = network.isochrone(&source, source.access_m + 400.0);
    let area = minsheng::network::isochrone_polygon(&reached, 30.0);
    for line in &reached {
        for c in &line.0 {
            assert!(geo::Contains::contains(&area, &Point(*c)) || geo::Intersects::intersects(&area, &Point(*c)));
        }
    }
    // The outline runs at the buffer distance from the lines: no farther (too big an
    // area) and no nearer (too small). It is traced on a distance grid of a sixth of the
    // buffer (5 m), so it may stray by a fraction of a cell where two lines' bands meet:
    // over 40 random networks the worst vertex was 1.6 m off.
    let mut worst: f64 = 0.0;
    for polygon in &area.0 {
        for c in &polygon.exterior().0 {
            let nearest = reached
                .iter()
                .map(|l| match geo::HaversineClosestPoint::haversine_closest_point(l, &Point(*c)) {
                    geo::Closest::SinglePoint(p) | geo::Closest::Intersection(p) => Haversine.distance(p, Point(*c)),
                    geo::Closest::Indeterminate => f64::INFINITY,
                })
                .fold(f64::INFINITY, f64::min);
            assert!((28.0..32.0).contains(&nearest), "boundary vertex {nearest} m from the lines");
            worst = worst.max((nearest - 30.0).abs());
        }
    }
    eprintln!("outline within {worst:.2} m of the 30 m buffer");
}

/// Covered weight (beyond what is already covered) of a set of candidates.
fn coverage(covered_already: &[bool], weights: &[u32], covers: &[Vec<u32>], chosen: &[usize]) -> u64 {
    let mut covered = covered_already.to_vec();
    let mut gained = 0;
    for &c in chosen {
        for &d in &covers[c] {
            if !covered[d as usize] {
                covered[d as usize] = true;
                gained += u64::from(weights[d as usize]);
            }
        }
    }
    gained
}

fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    if k == 0 {
        return vec![Vec::new()];
    }
    (0..n)
        .flat_map(|last| {
            subsets(last, k - 1).into_iter().map(move |mut s| {
                s.push(last);
                s
            })
        })
        .collect()
}

/// Plain greedy, recomputing every gain each round; the first best index wins ties.
fn plain_greedy(covered_already: &[bool], weights: &[u32], covers: &[Vec<u32>], k: usize) -> Vec<usize> {
    let mut chosen: Vec<usize> = Vec::new();
    for _ in 0..k {
        let base = coverage(covered_already, weights, covers, &chosen);
        let gain = |c: usize| coverage(covered_already, weights, covers, &[chosen.clone(), vec![c]].concat()) - base;
        let Some(best) = (0..covers.len()).filter(|&c| gain(c) > 0).max_by_key(|&c| (gain(c), std::cmp::Reverse(c))) else { break };
        chosen.push(best);
    }
    chosen
}

#[test]
fn greedy_against_brute_force_on_random_instances() {
    let mut rng = ChaCha8Rng::seed_from_u64(2018);
    let bound = 1.0 - 1.0 / std::f64::consts::E;
    for _ in 0..200 {
        let demand = rng.random_range(5..30);
        let weights: Vec<u32> = (0..demand).map(|_| rng.random_range(1..20)).collect();
        let covered_already: Vec<bool> = (0..demand).map(|_| rng.random_bool(0.2)).collect();
        let covers: Vec<Vec<u32>> =
            (0..rng.random_range(2..10)).map(|_| (0..demand as u32).filter(|_| rng.random_bool(0.25)).collect()).collect();
        let already: u64 = (0..demand).filter(|&d| covered_already[d]).map(|d| u64::from(weights[d])).sum();
        for k in 1..=3 {
            let picks = greedy_max_cover(&covered_already, &weights, &covers, k);
            let chosen: Vec<usize> = picks.iter().map(|p| p.candidate).collect();
            assert_eq!(chosen, plain_greedy(&covered_already, &weights, &covers, k));
            assert_eq!(picks, greedy_max_cover(&covered_already, &weights, &covers, k), "not deterministic");
            let gained = coverage(&covered_already, &weights, &covers, &chosen);
            let mut running = already;
            for p in &picks {
                running += p.newly_covered_weight;
                assert_eq!(p.total_covered_weight, running);
            }
            assert_eq!(running, already + gained);
            let optimum =
                subsets(covers.len(), k.min(covers.len())).iter().map(|s| coverage(&covered_already, &weights, &covers, s)).max().unwrap();
            if k == 1 {
                assert_eq!(gained, optimum);
            } else {
                assert!(gained as f64 >= bound * optimum as f64, "k={k}: {gained} < (1-1/e)·{optimum}");
            }
        }
    }
}
