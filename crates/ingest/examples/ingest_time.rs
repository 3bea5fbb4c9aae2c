// Throwaway timing harness (not committed): ingest of a config's city.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut config = mirror_model::Config::load(std::path::Path::new(&args[1])).unwrap();
    if let Some(d) = args.get(2) {
        config.data_dir = d.into();
    }
    let calendar = mirror_model::Calendar::load(&config.calendar).unwrap();
    let t = std::time::Instant::now();
    let ingested = mirror_ingest::run(&config, calendar).unwrap();
    println!(
        "{:.2} s, {} absences, {} problems",
        t.elapsed().as_secs_f64(),
        ingested.city.absences.len(),
        ingested.quality.problems().len()
    );
    for p in ingested.quality.problems().iter().take(5) {
        println!("{p}");
    }
}
