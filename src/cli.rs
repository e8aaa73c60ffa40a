//! The command line: `serve` (the default), `import`, `import-osm`, `import-reports`, `demo`, `check`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

mod notify;

use crate::model::Layer;
use crate::model::reports::Role;
use crate::model::time::{now, to_iso8601};
use crate::services::Catalog;
use crate::services::reports::history::{HistoryFormat, import_cases};

/// Where data lives unless told otherwise: a SQLite file under `data/`.
pub const DEFAULT_DATABASE: &str = "sqlite://data/minsheng.db";

#[derive(Parser)]
#[command(name = "minsheng", version, about = "民生: map service for residential-compound governance")]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Options of `serve`, which runs when no subcommand is given.
    #[command(flatten)]
    serve: ServeArgs,
    /// How log lines on stderr look: text for people, json (one object a line) for log shippers.
    #[arg(long, global = true, value_enum, env = "MINSHENG_LOG_FORMAT", default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Cli {
    pub fn log_format(&self) -> LogFormat {
        self.log_format
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (the default).
    Serve(ServeArgs),
    /// Import one layer from an RFC 7946 GeoJSON FeatureCollection (all or nothing).
    Import(ImportArgs),
    /// Import a city from an OpenStreetMap PBF extract (all or nothing): walkways, buildings
    /// with estimated households, residential areas as compounds, amenities as stations, and
    /// a street › community › grid › micro-grid chain synthesised from H3 cells.
    ImportOsm(ImportOsmArgs),
    /// Import historical cases (e.g. a 12345 hotline export) from CSV or GeoJSON (all or nothing).
    ImportReports(ImportReportsArgs),
    /// Generate the fictional demo district as one GeoJSON file per layer.
    Demo(DemoArgs),
    /// Load the database into the index and report counts, time and memory.
    Check(DatabaseArg),
    /// Copy a whole database into an empty one (SQLite ↔ PostgreSQL) in one transaction,
    /// then check the copy table by table (counts and SHA-256 checksums).
    MigrateDb(MigrateArgs),
    /// Create, list or revoke staff API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The notification outbox: list dead letters, queue them again.
    #[command(subcommand)]
    Notify(notify::NotifyCommand),
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print its secret (shown this once; only its hash is stored).
    Create {
        #[command(flatten)]
        database: DatabaseArg,
        /// dispatcher, handler, supervisor, grid_worker, official or admin.
        #[arg(long)]
        role: Role,
        /// The unit a handler works for.
        #[arg(long)]
        unit: Option<String>,
        /// The grid (or micro-grid) a grid worker works in.
        #[arg(long)]
        grid: Option<String>,
        /// The community of a dispatcher or supervisor (or an official who reads only there).
        #[arg(long)]
        community: Option<String>,
        /// The street of a dispatcher or supervisor (or an official who reads only there).
        #[arg(long)]
        street: Option<String>,
        /// When it stops working: a date (2027-01-31, through that day), an RFC 3339 time,
        /// or a duration (30d, 12h). Default: never.
        #[arg(long)]
        expires: Option<String>,
        /// Who holds it, e.g. "张伟 网格员". Shown in the audit trail.
        #[arg(long)]
        label: String,
    },
    /// List tokens (never their secrets).
    List(DatabaseArg),
    /// Revoke a token by its number; requests with it are refused from then on.
    Revoke {
        #[command(flatten)]
        database: DatabaseArg,
        id: i64,
    },
}

#[derive(Args)]
struct DatabaseArg {
    /// Database URL: sqlite://data/minsheng.db, or postgres://user@host/dbname (PostgreSQL with PostGIS)
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE)]
    database: String,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    database: DatabaseArg,
    /// A streaming replica of the PostgreSQL --database to load the snapshot from and read
    /// from; writes go to --database, and this instance reads its own writes at once.
    #[arg(long, env = "MINSHENG_REPLICA_URL")]
    replica_url: Option<String>,
    /// Address to listen on.
    #[arg(long, env = "MINSHENG_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Do not load the bundled demo district into an empty database.
    #[arg(long)]
    no_demo: bool,
    /// Seconds between checks for writes made by other processes (0 turns checking off).
    #[arg(long, default_value_t = 2)]
    watch_seconds: u64,
    /// Memory for encoded tiles, in MiB (0 renders every tile afresh).
    #[arg(long, default_value_t = crate::http::DEFAULT_TILE_CACHE_BYTES / (1024 * 1024))]
    tile_cache_mb: u64,
    /// Anonymous reports and "me too"s per client address and minute (0: no limit).
    #[arg(long, default_value_t = crate::http::DEFAULT_SUBMISSIONS_PER_MINUTE)]
    submissions_per_minute: u32,
    /// Connections open at once, in all (kept below the open-file limit).
    #[arg(long, default_value_t = crate::http::server::DEFAULT_MAX_CONNECTIONS, value_parser = at_least_one)]
    max_connections: usize,
    /// Connections open at once from one client address (0: only the total counts).
    #[arg(long, default_value_t = crate::http::server::DEFAULT_MAX_CONNECTIONS_PER_CLIENT)]
    max_connections_per_client: usize,
    /// Seconds a client has to send a request's head, from when the server waits for it.
    #[arg(long, default_value_t = crate::http::server::DEFAULT_HEADER_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    header_timeout_seconds: u64,
    /// Seconds a request body may pause before the request is answered 408.
    #[arg(long, default_value_t = crate::http::server::DEFAULT_BODY_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    body_timeout_seconds: u64,
    /// Seconds a kept-alive connection may wait for its next request (at most the header timeout).
    #[arg(long, default_value_t = crate::http::server::DEFAULT_IDLE_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout_seconds: u64,
    /// Heavy requests (coverage, isochrones, plans, heat map, statistics) running at once
    /// (default: one per core).
    #[arg(long, value_parser = at_least_one)]
    workers: Option<usize>,
    /// Heavy requests waiting for a worker beyond those; more are answered 503 busy.
    #[arg(long, default_value_t = crate::http::DEFAULT_QUEUE)]
    queue: usize,
    /// The base of every absolute link (OGC API, TileJSON, Open311), e.g. https://map.example/gis/;
    /// without it, the base comes from a trusted proxy's headers or the Host header.
    #[arg(long)]
    public_url: Option<crate::http::PublicUrl>,
    /// A proxy address or CIDR block whose Forwarded / X-Forwarded-* headers are believed
    /// (repeatable).
    #[arg(long = "trusted-proxy", value_name = "ADDRESS_OR_CIDR")]
    trusted_proxies: Vec<crate::http::Cidr>,
    /// Redis shared by all instances for the submission limit, e.g. redis://127.0.0.1:6379.
    #[arg(long, env = "MINSHENG_REDIS_URL")]
    redis_url: Option<String>,
    /// Prefix of this deployment's Redis keys; instances sharing a limit use the same one.
    #[arg(long, default_value = "minsheng:")]
    redis_prefix: String,
    /// Keep photo bytes as files in this folder (shared by every instance) instead of the
    /// database; the database keeps their metadata either way.
    #[arg(long, value_name = "DIR")]
    photo_dir: Option<std::path::PathBuf>,
    /// The life-circle check's rules: a JSON list of per-kind overrides (`kind` and any of
    /// `circle`, `limit_m`, `group`, `required`, `weight`), or an object with `pass_share`
    /// and/or `kinds` (that list); default GB 50180-2018's with a pass share of 0.9.
    #[arg(long, value_name = "FILE")]
    life_circle_rules: Option<std::path::PathBuf>,
    #[command(flatten)]
    notify: notify::NotifyArgs,
}

fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

#[derive(Args)]
struct MigrateArgs {
    /// The database to copy: sqlite://… or postgres://…
    #[arg(long)]
    from: String,
    /// The empty database to copy into (created and migrated if needed).
    #[arg(long)]
    to: String,
}

#[derive(Args)]
struct ImportArgs {
    #[command(flatten)]
    database: DatabaseArg,
    /// Which layer the file holds.
    #[arg(long, value_parser = parse_layer)]
    layer: Layer,
    /// The GeoJSON file.
    file: PathBuf,
}

#[derive(Args)]
struct ImportOsmArgs {
    #[command(flatten)]
    database: DatabaseArg,
    /// The OpenStreetMap extract (`.osm.pbf`).
    file: PathBuf,
    /// Share of residents aged 60+ counted in every building (0–1; default: the 2020 census).
    #[arg(long, default_value_t = crate::model::lifecircle::DEFAULT_ELDERLY_SHARE, value_parser = parse_share)]
    elderly_share: f64,
    /// Share of residents aged 0–5 counted in every building (0–1; default: the 2020 census).
    #[arg(long, default_value_t = crate::model::lifecircle::DEFAULT_CHILDREN_SHARE, value_parser = parse_share)]
    children_share: f64,
}

/// A share between 0 and 1.
fn parse_share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err(format!("{text:?}: expected a share between 0 and 1, such as 0.187")),
    }
}

#[derive(Args)]
struct ImportReportsArgs {
    #[command(flatten)]
    database: DatabaseArg,
    /// csv or geojson; by default from the file's extension.
    #[arg(long, value_parser = parse_format)]
    format: Option<HistoryFormat>,
    /// The CSV or GeoJSON file.
    file: PathBuf,
}

#[derive(Args)]
struct DemoArgs {
    /// Folder to write `{layer}.geojson` files into.
    #[arg(long, required_unless_present = "tokens")]
    out: Option<PathBuf>,
    /// Instead: make one staff token of each role for the demo district in `--database`
    /// (loading the district into an empty database first) and print them.
    #[arg(long)]
    tokens: bool,
    #[arg(long, env = "MINSHENG_DATABASE", default_value = DEFAULT_DATABASE, requires = "tokens")]
    database: String,
    /// Number of buildings (exact; the last compound is cut to fit).
    #[arg(long)]
    buildings: Option<usize>,
    /// Random seed; the same seed gives the same district.
    #[arg(long)]
    seed: Option<u64>,
}

fn parse_layer(text: &str) -> Result<Layer, String> {
    text.parse()
}

fn parse_format(text: &str) -> Result<HistoryFormat, String> {
    text.parse()
}

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::Import(args)) => import(args).await,
        Some(Command::ImportOsm(args)) => import_osm(args).await,
        Some(Command::ImportReports(args)) => import_reports(args).await,
        Some(Command::Demo(args)) if args.tokens => demo_tokens(&args.database).await,
        Some(Command::Demo(args)) => demo(args),
        Some(Command::Check(args)) => check(args).await,
        Some(Command::MigrateDb(args)) => migrate_db(args).await,
        Some(Command::Token(command)) => token(command).await,
        Some(Command::Notify(command)) => notify::run(command).await,
    }
}

async fn open_catalog(database: &str) -> anyhow::Result<Catalog> {
    let store = crate::store::open(database).await.with_context(|| format!("opening database {database}"))?;
    Ok(Catalog::open(store).await?)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // hyper's header timeout also runs while a kept-alive connection waits, so it bounds the idle one.
    anyhow::ensure!(
        args.idle_timeout_seconds <= args.header_timeout_seconds,
        "--idle-timeout-seconds ({}) must not exceed --header-timeout-seconds ({})",
        args.idle_timeout_seconds,
        args.header_timeout_seconds
    );
    let limits = crate::http::ConnectionLimits {
        max_connections: args.max_connections,
        max_per_client: args.max_connections_per_client,
        header_timeout: Duration::from_secs(args.header_timeout_seconds),
        body_timeout: Duration::from_secs(args.body_timeout_seconds),
        idle_timeout: Duration::from_secs(args.idle_timeout_seconds),
    };
    // Before the database, so that a mistyped URL fails at once.
    let shared_limit = args
        .redis_url
        .map(|url| crate::http::SharedLimit::new(&url, &args.redis_prefix))
        .transpose()
        .map_err(|e| anyhow::anyhow!("--redis-url: {e}"))?;
    let photos = match &args.photo_dir {
        Some(folder) => {
            crate::services::photos::PhotoStorage::in_folder(folder).with_context(|| format!("--photo-dir {}", folder.display()))?
        }
        None => crate::services::photos::PhotoStorage::in_database(),
    };
    // Before the database too: a bad rules file stops the start with its message.
    let life_circle_rules = match &args.life_circle_rules {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("--life-circle-rules {}", path.display()))?;
            crate::model::lifecircle::Rules::from_json(&text).map_err(|e| anyhow::anyhow!("--life-circle-rules {}: {e}", path.display()))?
        }
        None => crate::model::lifecircle::Rules::default(),
    };
    let catalog = match &args.replica_url {
        None => open_catalog(&args.database.database).await?,
        Some(replica) => {
            let primary = &args.database.database;
            let store = crate::store::open_with_replica(primary, replica)
                .await
                .with_context(|| format!("opening the primary {primary} with the replica {replica}"))?;
            Catalog::open(store).await?
        }
    };
    if !args.no_demo {
        catalog.seed_demo_if_empty().await?;
    }
    if args.watch_seconds > 0 {
        catalog.spawn_watcher(Duration::from_secs(args.watch_seconds));
    }
    let listener = crate::http::server::bind(args.bind).with_context(|| format!("binding {}", args.bind))?;
    // Links in messages: the public URL, else this server's own address.
    let base = match &args.public_url {
        Some(url) => url.as_str().to_owned(),
        None => format!("http://{}", listener.local_addr()?),
    };
    catalog.set_public_base(&base);
    args.notify.start(&catalog)?;
    let settings = crate::http::Settings {
        tile_cache_bytes: args.tile_cache_mb * 1024 * 1024,
        submissions_per_minute: args.submissions_per_minute,
        queue: args.queue,
        proxies: crate::http::Proxies { public_url: args.public_url, trusted: args.trusted_proxies },
        shared_limit,
        photos,
        life_circle_rules,
        ..Default::default()
    };
    let settings = crate::http::Settings { workers: args.workers.unwrap_or(settings.workers), ..settings };
    let router = crate::http::router_with(catalog, settings);
    crate::http::serve(router, listener, limits).await?;
    Ok(())
}

async fn import(args: ImportArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let store = crate::store::open(&args.database.database).await?;
    let report = crate::import::import_file(store.as_ref(), args.layer, &args.file).await?;
    let records: usize = report.layers.iter().map(|(_, c)| c.new + c.updated).sum();
    let seconds = started.elapsed().as_secs_f64();
    println!("imported {} ({report}) in {seconds:.2} s, {:.0} features/s", args.file.display(), records as f64 / seconds);
    Ok(())
}

/// Progress and figures go to stderr, the per-layer table to stdout. The file is read
/// before the database is opened, so a bad file leaves no trace.
async fn import_osm(args: ImportOsmArgs) -> anyhow::Result<()> {
    use crate::import::osm::{Shares, hierarchy, read_city_with};
    use crate::model::GridLevel;

    let started = Instant::now();
    eprintln!("reading {}…", args.file.display());
    if args.elderly_share + args.children_share > 1.0 {
        anyhow::bail!("--elderly-share and --children-share add up to more than all residents");
    }
    let city = read_city_with(&args.file, Shares { elderly: args.elderly_share, children: args.children_share })?;
    let read = started.elapsed();
    let data = &city.data;
    eprintln!(
        "read in {:.2} s: {} walkways, {} buildings, {} compounds, {} stations",
        read.as_secs_f64(),
        data.walkways.len(),
        data.buildings.len(),
        data.compounds.len(),
        data.stations.len()
    );
    eprintln!("{}", city.summary);
    let micro = data.grids.iter().filter(|g| g.level == GridLevel::MicroGrid).count();
    eprintln!(
        "OSM has no 街道/社区/网格: synthesised {} streets, {} communities, {} grids and {micro} micro-grids from the H3 cells \
         (resolutions {}/{}/{}/{}) that hold buildings",
        data.streets.len(),
        data.communities.len(),
        data.grids.len() - micro,
        u8::from(hierarchy::STREET),
        u8::from(hierarchy::COMMUNITY),
        u8::from(hierarchy::GRID),
        u8::from(hierarchy::MICRO_GRID),
    );
    eprintln!("writing {} records to {}…", data.total(), args.database.database);
    let store =
        crate::store::open(&args.database.database).await.with_context(|| format!("opening database {}", args.database.database))?;
    let report = crate::import::write(store.as_ref(), &city.data.into()).await?;
    println!("{:<12} {:>9} {:>9}", "layer", "new", "updated");
    for (layer, counts) in &report.layers {
        println!("{:<12} {:>9} {:>9}", layer.as_str(), counts.new, counts.updated);
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("imported {} in {seconds:.2} s (reading {:.2} s)", args.file.display(), read.as_secs_f64());
    Ok(())
}

async fn import_reports(args: ImportReportsArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let Some(format) = args.format.or_else(|| HistoryFormat::from_path(&args.file)) else {
        anyhow::bail!("cannot tell the format of {} from its extension; pass --format csv or --format geojson", args.file.display());
    };
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let origin = args.file.file_name().map_or_else(|| args.file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let catalog = open_catalog(&args.database.database).await?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).context("the clock is before 1970")?.as_secs() as i64;
    let summary = import_cases(&catalog, &bytes, format, &origin, now).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!("imported {} from {} in {seconds:.2} s", summary, args.file.display());
    if let (Some(first), Some(last)) = (summary.case_numbers.first(), summary.case_numbers.last()) {
        println!("case numbers {first} … {last}");
    }
    Ok(())
}

async fn demo_tokens(database: &str) -> anyhow::Result<()> {
    let catalog = open_catalog(database).await?;
    catalog.seed_demo_if_empty().await?;
    let tokens = crate::services::auth::demo::demo_staff(&catalog, now()).await?;
    eprintln!("demo staff, one of each role; keep the secrets, they are not shown again:");
    for created in tokens {
        let t = &created.token;
        println!("{:<12} {:<28} {}  {}", t.role.as_str(), t.scope.to_string(), created.secret, t.label);
    }
    Ok(())
}

fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let out = args.out.context("--out is required")?;
    let defaults = crate::demo::DemoOptions::default();
    let options =
        crate::demo::DemoOptions { buildings: args.buildings.unwrap_or(defaults.buildings), seed: args.seed.unwrap_or(defaults.seed) };
    let started = Instant::now();
    eprintln!("generating a district of {} buildings (seed {})…", options.buildings, options.seed);
    let data = crate::demo::generate(&options);
    eprintln!("generated in {:.1?}; writing to {}…", started.elapsed(), out.display());
    let paths = crate::export::write_dataset(&out, &data).with_context(|| format!("writing {}", out.display()))?;
    // Only non-empty layers are written, in `Layer::ALL` order.
    for (layer, path) in Layer::ALL.iter().filter(|l| data.count(**l) > 0).zip(&paths) {
        println!("{:>10} {:>9} {}", layer.as_str(), data.count(*layer), path.display());
    }
    Ok(())
}

async fn check(args: DatabaseArg) -> anyhow::Result<()> {
    let started = Instant::now();
    let catalog = open_catalog(&args.database).await?;
    let elapsed = started.elapsed();
    let snapshot = catalog.snapshot();
    for layer in Layer::ALL {
        println!("{:>12} {:>9}", layer.as_str(), snapshot.data.count(*layer));
    }
    println!("loaded and indexed in {:.2} s", elapsed.as_secs_f64());
    if let Some(peak) = peak_memory_kib() {
        println!("peak resident memory {:.0} MiB", peak as f64 / 1024.0);
    }
    Ok(())
}

/// Progress goes to stderr, the table of counts and checksums to stdout.
async fn migrate_db(args: MigrateArgs) -> anyhow::Result<()> {
    use crate::services::migrate;

    let source = crate::store::open(&args.from).await.with_context(|| format!("opening the source {}", args.from))?;
    let destination = crate::store::open(&args.to).await.with_context(|| format!("opening the destination {}", args.to))?;
    let started = Instant::now();
    let progress = |line: &str| eprintln!("{line}");
    let checks = migrate::migrate(source.as_ref(), destination.as_ref(), &progress)
        .await
        .with_context(|| format!("migrating {} to {}", args.from, args.to))?;
    print!("{}", migrate::format_checks(&checks));
    migrate::verdict(&checks).with_context(|| format!("checking the copy in {}", args.to))?;
    println!("copied and checked in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

async fn token(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { database, role, unit, grid, community, street, expires, label } => {
            let catalog = open_catalog(&database.database).await?;
            let request = crate::services::auth::TokenRequest { role, unit, grid, community, street, expires, label };
            let created = crate::services::auth::create_token(&catalog, &request, now()).await?;
            let t = &created.token;
            let until = t.expires_at.map(|at| format!(", until {}", to_iso8601(at))).unwrap_or_default();
            eprintln!("token #{} for {} ({role}, {}{until}); keep the secret, it is not shown again:", t.id, t.label, t.scope);
            println!("{}", created.secret);
        }
        TokenCommand::List(database) => {
            let store = crate::store::open(&database.database).await?;
            let time = |at: Option<i64>| at.map(to_iso8601).unwrap_or_else(|| "-".into());
            println!("{:>4}  {:<12} {:<24} {:<26} {:<26} {:<26} label", "id", "role", "scope", "created", "expires", "revoked");
            for t in store.tokens().await? {
                println!(
                    "{:>4}  {:<12} {:<24} {:<26} {:<26} {:<26} {}",
                    t.id,
                    t.role.as_str(),
                    t.scope.to_string(),
                    to_iso8601(t.created_at),
                    time(t.expires_at),
                    time(t.revoked_at),
                    t.label
                );
            }
        }
        TokenCommand::Revoke { database, id } => {
            let store = crate::store::open(&database.database).await?;
            anyhow::ensure!(store.revoke_token(id, now()).await?, "no live token #{id}");
            println!("token #{id} revoked");
        }
    }
    Ok(())
}

/// Peak resident set size (VmHWM) of this process, where /proc has it.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
