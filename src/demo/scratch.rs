use super::*;
use crate::model::Layer;

#[test]
fn scratch_stats() {
    let d = generate(&DemoOptions::default());
    for l in Layer::ALL { println!("{l}: {}", d.count(*l)); }
    let micro = d.grids.iter().filter(|g| g.level == GridLevel::MicroGrid).count();
    println!("grids level grid {} micro {}", d.grids.len() - micro, micro);
    for c in &d.compounds { println!("{} {} {:?} {:?} hh={} n={}", c.id, c.name, c.kind, c.property_company, c.households, d.buildings.iter().filter(|b| b.compound_id.as_deref()==Some(&c.id)).count()); }
    for c in &d.communities { println!("{} {}", c.id, c.name); }
    for s in &d.stations { println!("{} {} {:?} {:?} {:?}", s.id, s.name, s.level, s.phone, s.community_id); }
    for c in d.contacts.iter().take(8) { println!("{:?}", c); }
    let pop: u32 = d.buildings.iter().map(|b| b.population).sum();
    println!("population {pop}");
    // super-large robustness
    let mut fails = 0; let mut sl = 0;
    for seed in 0..300 {
        let d = generate(&DemoOptions { buildings: 300, seed });
        if !d.compounds.iter().any(|c| c.kind == CompoundKind::SuperLarge) { fails += 1; }
        sl += d.compounds.iter().filter(|c| c.kind == CompoundKind::SuperLarge).count();
        let n = d.communities.len();
        if !(2..=4).contains(&n) { println!("seed {seed}: {n} communities"); }
    }
    println!("seeds without SL: {fails}, total {sl}");
    let d = generate(&DemoOptions { buildings: 100_000, seed: 1 });
    let sls: Vec<_> = d.compounds.iter().filter(|c| c.kind == CompoundKind::SuperLarge).map(|c| c.households).collect();
    println!("100k: streets {} communities {} compounds {} SL {} min hh {:?}", d.streets.len(), d.communities.len(), d.compounds.len(), sls.len(), sls.iter().min());
}
#[test]
fn scratch_sl() {
    let mut min_hh = u32::MAX; let mut min_pop = u32::MAX; let mut max_n = 0; let mut min_n = usize::MAX; let mut comms = std::collections::BTreeMap::new();
    for seed in 0..300 {
        let d = generate(&DemoOptions { buildings: 300, seed });
        *comms.entry(d.communities.len()).or_insert(0) += 1;
        for c in d.compounds.iter().filter(|c| c.kind == CompoundKind::SuperLarge) {
            let bs: Vec<_> = d.buildings.iter().filter(|b| b.compound_id.as_deref()==Some(&c.id)).collect();
            min_hh = min_hh.min(c.households); min_pop = min_pop.min(bs.iter().map(|b| b.population).sum());
            max_n = max_n.max(bs.len()); min_n = min_n.min(bs.len());
        }
    }
    println!("SL min hh {min_hh} min pop {min_pop} buildings {min_n}..{max_n}; communities {comms:?}");
}
#[test]
fn scratch_million() {
    let t = std::time::Instant::now();
    let d = generate(&DemoOptions { buildings: 1_000_000, seed: 2024 });
    let el = t.elapsed();
    for l in Layer::ALL { println!("{l}: {}", d.count(*l)); }
    println!("1M generate: {el:?}");
    let lons = d.streets.iter().flat_map(|s| match &s.geometry { geo::Geometry::Polygon(p) => p.exterior().0.clone(), _ => vec![] });
    let (mut a, mut b, mut c, mut e) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in lons { a = a.min(p.x); b = b.max(p.x); c = c.min(p.y); e = e.max(p.y); }
    println!("extent lon {a}..{b} lat {c}..{e}");
    let t = std::time::Instant::now();
    let dir = std::path::Path::new("/tmp/minsheng-1m");
    crate::export::write_dataset(dir, &d).unwrap();
    println!("export: {:?}", t.elapsed());
}
