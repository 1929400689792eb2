//! The command line: `serve` (the default), `check`, `schema`, `query`, `snapshot`,
//! `generate` and `token create`.
//!
//! Every flag can also be set from an environment variable (`REEGRAPH_*`). This module wires
//! the library together; it holds no domain logic. A flag's default is read from the library's
//! own default (`HttpConfig`, `Limits`, `ConnectionLimits`), never copied here.

mod serve;

pub use serve::Reloader;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};

use crate::auth::jwt::JwtSettings;
use crate::auth::{AuthSettings, Role};
use crate::dataset;
use crate::graph::KnowledgeGraph;
use crate::graphql::mutation::BaseTexts;
use crate::graphql::{self, Limits, SchemaOptions};
use crate::http::{ConnectionLimits, HttpConfig};
use crate::store::{Store, Working};

/// Where `--data` points when it is not given: the dataset shipped in the repository.
const DEFAULT_DATA: &str = "data";

/// reegraph: a GraphQL knowledge-graph server over the rare-earth supply chain.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `serve`, accepted without the subcommand too.
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "REEGRAPH_LOG_JSON", global = true)]
    pub log_json: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve GraphQL over HTTP (the default).
    Serve(Box<ServeArgs>),
    /// Validate the data, print every problem, exit 1 if there is any.
    Check(DataArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Run one GraphQL query against the data and print the JSON response.
    Query(QueryArgs),
    /// Validate the data and write it as a binary snapshot, which `--data FILE` loads fast.
    Snapshot(SnapshotArgs),
    /// Write a synthetic dataset of the same format (for benchmarks and scale tests).
    Generate(GenerateArgs),
    /// Write the graph (the data and the store's changes) back as data files, for review in git.
    Export(ExportArgs),
    /// Manage static API tokens (`--api-tokens-file`).
    #[command(subcommand)]
    Token(TokenCommand),
}

/// Options of `export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The store whose changes to include (not while a server has it open).
    #[arg(long, env = "REEGRAPH_STORE")]
    pub store: Option<PathBuf>,
    /// Output directory (created; files in it are overwritten).
    #[arg(long)]
    pub out: PathBuf,
}

/// Subcommands of `token`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token: print it once, append only its SHA-256 hash to the file.
    Create(TokenCreateArgs),
}

/// Options of `token create`.
#[derive(Debug, Clone, Args)]
pub struct TokenCreateArgs {
    /// The token's name: the author recorded with its changes (no spaces).
    #[arg(long)]
    pub name: String,
    /// Its roles, comma-separated: reader, editor.
    #[arg(long, value_delimiter = ',', required = true, value_parser = role)]
    pub role: Vec<Role>,
    /// The tokens file (created if absent); serve reads it with `--api-tokens-file`.
    #[arg(long, env = "REEGRAPH_API_TOKENS_FILE")]
    pub file: PathBuf,
}

fn role(text: &str) -> Result<Role, String> {
    crate::auth::api_tokens::parse_roles(text)?
        .pop()
        .ok_or_else(|| "a role is needed".to_owned())
}

fn algorithm(text: &str) -> Result<jsonwebtoken::Algorithm, String> {
    text.parse()
        .map_err(|_| format!("`{text}` is not a JWT algorithm (e.g. RS256, ES256, ES384)"))
}

/// Options of `generate`.
#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// How many entities.
    #[arg(long)]
    pub entities: usize,
    /// Seed: the same seed writes the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output directory (created; files in it are overwritten).
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of `snapshot`.
#[derive(Debug, Clone, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Where to write the snapshot (written to a temporary file of its own beside it, then renamed
    /// into place: the file is always the old or the new complete snapshot).
    #[arg(long)]
    pub out: PathBuf,
    /// Include the changes of this store (not while a server has it open).
    #[arg(long, env = "REEGRAPH_STORE")]
    pub store: Option<PathBuf>,
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// The data: a directory of TOML files, or a snapshot file (see `snapshot`).
    #[arg(long, env = "REEGRAPH_DATA", default_value = DEFAULT_DATA)]
    pub data: PathBuf,
    /// Largest data file (`*.toml`) or source text, in bytes; a larger one is refused unread.
    #[arg(long, env = "REEGRAPH_MAX_DATA_FILE_BYTES", default_value_t = dataset::DataLimits::DEFAULT_MAX_FILE_BYTES)]
    pub max_data_file_bytes: u64,
}

impl DataArgs {
    /// The bounds on reading the data.
    fn limits(&self) -> dataset::DataLimits {
        dataset::DataLimits {
            max_file_bytes: self.max_data_file_bytes,
        }
    }
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The data: a directory of TOML files, or a snapshot file (see `snapshot`).
    #[arg(long, env = "REEGRAPH_DATA", default_value = DEFAULT_DATA)]
    pub data: PathBuf,
    /// Largest data file (`*.toml`) or source text, in bytes; a larger one is refused unread
    /// (a reload keeps the previous graph).
    #[arg(long, env = "REEGRAPH_MAX_DATA_FILE_BYTES", default_value_t = dataset::DataLimits::DEFAULT_MAX_FILE_BYTES)]
    pub max_data_file_bytes: u64,
    /// Accept writes (mutations), kept durably in this file (an embedded redb database, created
    /// if missing) and replayed on the data at start-up and at each reload.
    #[arg(long, env = "REEGRAPH_STORE")]
    pub store: Option<PathBuf>,
    /// With `--store`: fold the writes into a new base (a rebuild, in the background) once
    /// this many records have been written over the current one [default: the larger of 8192
    /// and the graph's entities / 32].
    #[arg(long, env = "REEGRAPH_FOLD_AFTER")]
    pub fold_after: Option<usize>,
    /// The address to listen on.
    #[arg(long, env = "REEGRAPH_BIND", default_value = "127.0.0.1:8080")]
    pub bind: std::net::SocketAddr,
    /// Reload the data when a file in the data directory changes (SIGHUP always reloads).
    #[arg(long, env = "REEGRAPH_WATCH")]
    pub watch: bool,
    /// Allowed CORS origins, comma-separated; `*` allows any (without credentials); an origin
    /// listed explicitly is allowed with credentials.
    #[arg(
        long,
        env = "REEGRAPH_CORS_ORIGINS",
        value_delimiter = ',',
        default_values_t = HttpConfig::default().cors_origins
    )]
    pub cors_origins: Vec<String>,
    /// Request headers browsers may send cross-origin, comma-separated.
    #[arg(
        long,
        env = "REEGRAPH_CORS_ALLOW_HEADERS",
        value_delimiter = ',',
        value_parser = header_name,
        default_values_t = HttpConfig::default().cors_allow_headers
    )]
    pub cors_allow_headers: Vec<String>,
    /// Host names requests may name in `Host`, comma-separated (against DNS rebinding);
    /// others are refused 421. Empty (the default) allows any.
    #[arg(long, env = "REEGRAPH_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,
    /// Do not serve GET /metrics.
    #[arg(long, env = "REEGRAPH_NO_METRICS", conflicts_with = "metrics_bind")]
    pub no_metrics: bool,
    /// Serve GET /metrics on this address instead, on a listener of its own (and not on
    /// `--bind`), e.g. an address only the monitoring network reaches.
    #[arg(long, env = "REEGRAPH_METRICS_BIND")]
    pub metrics_bind: Option<std::net::SocketAddr>,
    /// Turn off introspection (and field suggestions) and GraphiQL.
    #[arg(long, env = "REEGRAPH_NO_INTROSPECTION")]
    pub no_introspection: bool,
    /// Largest request body, in bytes.
    #[arg(long, env = "REEGRAPH_MAX_BODY_BYTES", default_value_t = HttpConfig::default().max_body_bytes)]
    pub max_body_bytes: usize,
    /// Entities one traversal may visit before it stops.
    #[arg(
        long,
        env = "REEGRAPH_TRAVERSAL_BUDGET",
        default_value_t = Limits::default().traversal_budget
    )]
    pub traversal_budget: usize,
    /// Most GraphQL requests executing at once; beyond it, 503 with Retry-After.
    #[arg(
        long,
        env = "REEGRAPH_MAX_CONCURRENT_REQUESTS",
        default_value_t = HttpConfig::default().max_concurrent_requests
    )]
    pub max_concurrent_requests: usize,
    /// Deadline of one GraphQL request, in milliseconds.
    #[arg(
        long,
        env = "REEGRAPH_REQUEST_TIMEOUT_MS",
        default_value_t = millis(HttpConfig::default().request_timeout)
    )]
    pub request_timeout_ms: u64,
    /// How long a client may take to send request headers, and separately the body, in ms.
    #[arg(
        long,
        env = "REEGRAPH_READ_TIMEOUT_MS",
        default_value_t = millis(HttpConfig::default().body_read_timeout)
    )]
    pub read_timeout_ms: u64,
    /// Most open connections; beyond it the oldest idle kept-alive one is closed for a new one,
    /// or with none idle the new one is answered 503 + Retry-After.
    #[arg(
        long,
        env = "REEGRAPH_MAX_CONNECTIONS",
        default_value_t = ConnectionLimits::default().max_connections
    )]
    pub max_connections: usize,
    /// Bytes of successful responses kept in the response cache (0 turns it off).
    #[arg(
        long,
        env = "REEGRAPH_RESPONSE_CACHE_BYTES",
        default_value_t = HttpConfig::default().response_cache_bytes
    )]
    pub response_cache_bytes: u64,
    /// `Cache-Control: max-age` of successful GET responses, in seconds.
    #[arg(long, env = "REEGRAPH_CACHE_MAX_AGE", default_value_t = HttpConfig::default().cache_max_age)]
    pub cache_max_age: u32,
    /// How long a WebSocket client has to send `connection_init`, in ms (else closed, 4408).
    #[arg(
        long,
        env = "REEGRAPH_WS_INIT_TIMEOUT_MS",
        default_value_t = millis(HttpConfig::default().ws_init_timeout)
    )]
    pub ws_init_timeout_ms: u64,
    /// Most subscriptions at once on one WebSocket; beyond it a subscribe gets an error.
    #[arg(
        long,
        env = "REEGRAPH_WS_MAX_SUBSCRIPTIONS",
        default_value_t = HttpConfig::default().ws_max_subscriptions
    )]
    pub ws_max_subscriptions: usize,
    /// Most WebSockets open at once; beyond it an upgrade is answered 503 with Retry-After.
    #[arg(
        long,
        env = "REEGRAPH_WS_MAX_CONNECTIONS",
        default_value_t = HttpConfig::default().ws_max_connections
    )]
    pub ws_max_connections: usize,
    /// Graph changes kept for a subscriber that has not read them; one further behind is
    /// dropped (its subscription ends with LIMIT_EXCEEDED).
    #[arg(
        long,
        env = "REEGRAPH_WS_EVENT_CAPACITY",
        default_value_t = HttpConfig::default().ws_event_capacity
    )]
    pub ws_event_capacity: usize,
    /// Accept HS256 JWTs signed with the secret in this file (at least 32 bytes).
    #[arg(long, env = "REEGRAPH_JWT_HS256_SECRET_FILE")]
    pub jwt_hs256_secret_file: Option<PathBuf>,
    /// Accept JWTs signed with the private half of this PEM public key (RSA: RS256, EC:
    /// ES256, unless `--jwt-algorithm` says otherwise).
    #[arg(long, env = "REEGRAPH_JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,
    /// The algorithm of `--jwt-public-key-file` (RS256, RS384, RS512, PS256, ES256, ES384, ...).
    #[arg(long, env = "REEGRAPH_JWT_ALGORITHM", requires = "jwt_public_key_file", value_parser = algorithm)]
    pub jwt_algorithm: Option<jsonwebtoken::Algorithm>,
    /// Audiences accepted, comma-separated: a JWT's `aud` must name one (and is required).
    #[arg(long, env = "REEGRAPH_JWT_AUDIENCE", value_delimiter = ',')]
    pub jwt_audience: Vec<String>,
    /// Issuers accepted, comma-separated: a JWT's `iss` must be one (and is required).
    #[arg(long, env = "REEGRAPH_JWT_ISSUER", value_delimiter = ',')]
    pub jwt_issuer: Vec<String>,
    /// Accept the static API tokens whose hashes this file holds (see `token create`).
    #[arg(long, env = "REEGRAPH_API_TOKENS_FILE")]
    pub api_tokens_file: Option<PathBuf>,
    /// Reads (queries and subscriptions) need a bearer token with the reader role (editors
    /// have it too); by default they are public.
    #[arg(long, env = "REEGRAPH_READS_NEED_ROLE")]
    pub reads_need_role: bool,
}

impl ServeArgs {
    /// The authentication settings of these flags.
    fn auth_settings(&self) -> AuthSettings {
        AuthSettings {
            jwt: JwtSettings {
                hs256_secret_file: self.jwt_hs256_secret_file.clone(),
                public_key_file: self.jwt_public_key_file.clone(),
                algorithm: self.jwt_algorithm,
                audiences: self.jwt_audience.clone(),
                issuers: self.jwt_issuer.clone(),
            },
            api_tokens_file: self.api_tokens_file.clone(),
        }
    }
}

/// Options of `query`.
#[derive(Debug, Clone, Args)]
pub struct QueryArgs {
    /// The GraphQL document.
    pub query: String,
    /// Variables, as a JSON object.
    #[arg(long)]
    pub variables: Option<String>,
    /// The data directory.
    #[command(flatten)]
    pub data: DataArgs,
}

/// A default duration as a flag's milliseconds.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A header name for `--cors-allow-headers`, lowercased (as HTTP/2 sends them).
fn header_name(text: &str) -> Result<String, String> {
    let name = text.trim().to_ascii_lowercase();
    axum::http::HeaderName::from_bytes(name.as_bytes())
        .map(|_| name)
        .map_err(|_| format!("`{text}` is not a header name"))
}

/// Sets up logging: `RUST_LOG` filters (default `info`), text or JSON lines. Text is colored
/// only on a terminal: escape codes would litter a log file, and styling every span's fields
/// (each request opens one) was a measurable part of a cached response's CPU.
pub fn init_tracing(cli: &Cli) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    if cli.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Runs the command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        None => serve::serve(cli.serve),
        Some(Command::Serve(args)) => serve::serve(*args),
        Some(Command::Check(args)) => Ok(check(&args)),
        Some(Command::Schema) => {
            print!("{}", graphql::sdl());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Query(args)) => query(&args),
        Some(Command::Generate(args)) => generate(&args),
        Some(Command::Snapshot(args)) => snapshot(&args),
        Some(Command::Export(args)) => export(&args),
        Some(Command::Token(TokenCommand::Create(args))) => {
            let token = crate::auth::api_tokens::create(&args.file, &args.name, &args.role)?;
            // The only place the token is ever shown: stdout, once.
            println!("{token}");
            eprintln!(
                "created API token `{}` ({}); its hash is in {}. Keep the token: it is shown once.",
                args.name,
                args.role
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                args.file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn generate(args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    let files = crate::synth::generate(&crate::synth::SynthConfig {
        entities: args.entities,
        seed: args.seed,
    });
    for file in &files {
        let path = args.out.join(&file.name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &file.text)?;
    }
    println!("wrote {} files to {}", files.len(), args.out.display());
    Ok(ExitCode::SUCCESS)
}

/// The graph of `--data`: built from a directory's text files, or loaded from a snapshot file
/// with its stored indexes.
pub(crate) fn load_graph(
    path: &std::path::Path,
    limits: dataset::DataLimits,
) -> Result<KnowledgeGraph, dataset::LoadError> {
    crate::graph::snapshot::load(path, limits)
}

/// The source texts of `--data`: a directory's files; a snapshot keeps none (quotes of its
/// sources cannot be checked, so writes cannot cite them).
pub(crate) fn base_texts(data: &std::path::Path, limits: dataset::DataLimits) -> BaseTexts {
    if data.is_dir() {
        Arc::new(dataset::DirTexts {
            dir: data.to_path_buf(),
            limits,
        })
    } else {
        Arc::new(SnapshotTexts)
    }
}

/// The texts of a snapshot's sources: none kept.
struct SnapshotTexts;

impl dataset::SourceTexts for SnapshotTexts {
    fn read(&self, path: &str) -> Result<String, dataset::TextError> {
        Err(dataset::TextError::Unreadable {
            path: path.to_owned(),
            source: std::io::Error::other(
                "the data is a snapshot, which keeps no source texts; serve the data directory \
                 to quote its sources",
            ),
        })
    }
}

/// A store opened on `--data`, and the data's source texts.
pub(crate) type OpenStore = (Store, BaseTexts);

/// The graph of `--data` with the changes of `--store`, if given (and the store and texts).
pub(crate) fn load_with_store(
    data: &DataArgs,
    store: Option<&std::path::Path>,
) -> anyhow::Result<(Arc<KnowledgeGraph>, Option<OpenStore>)> {
    let Some(path) = store else {
        return Ok((Arc::new(load_graph(&data.data, data.limits())?), None));
    };
    // The journal is read (and decoded) while the base loads.
    let started = Instant::now();
    let (base, journal) = std::thread::scope(|scope| {
        let journal = scope.spawn(|| {
            let journal = Store::read_journal(path);
            tracing::info!(
                ms = started.elapsed().as_millis(),
                "start-up: store journal read"
            );
            journal
        });
        let base = load_graph(&data.data, data.limits());
        tracing::info!(ms = started.elapsed().as_millis(), "start-up: base loaded");
        let journal = journal
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (base, journal)
    });
    let base = Arc::new(base?);
    let journal = journal.map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let texts = base_texts(&data.data, data.limits());
    let (store, graph) = Store::open_read(journal, base, texts.as_ref())
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    tracing::info!(
        ms = started.elapsed().as_millis(),
        changes = store.version(),
        "start-up: stored changes applied"
    );
    Ok((graph, Some((store, texts))))
}

fn export(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let (graph, store) = load_with_store(&args.data, args.store.as_deref())?;
    let files = match store {
        Some((mut store, texts)) => {
            crate::store::export(store.working(), texts.as_ref(), &args.out)?
        }
        None => {
            let texts = base_texts(&args.data.data, args.data.limits());
            crate::store::export(&Working::of_graph(&graph), texts.as_ref(), &args.out)?
        }
    };
    let stats = graph.stats();
    println!(
        "wrote {} entities and {} relations in {files} files to {}",
        stats.entities,
        stats.relations,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn snapshot(args: &SnapshotArgs) -> anyhow::Result<ExitCode> {
    let (graph, _) = load_with_store(&args.data, args.store.as_deref())?;
    let bytes = graph
        .to_snapshot()
        .map_err(|source| dataset::LoadError::Snapshot {
            path: args.out.clone(),
            source: Box::new(source),
        })?;
    crate::graph::snapshot::write(&bytes, &args.out)?;
    let stats = graph.stats();
    println!(
        "wrote {} entities and {} relations to {} ({} bytes)",
        stats.entities,
        stats.relations,
        args.out.display(),
        bytes.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn check(args: &DataArgs) -> ExitCode {
    match crate::graph::snapshot::load_dataset(&args.data, args.limits()) {
        Ok(ds) => {
            println!(
                "{}: {} entities, {} relations, no problems",
                args.data.display(),
                ds.entities.len(),
                ds.relations.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn query(args: &QueryArgs) -> anyhow::Result<ExitCode> {
    let graph = Arc::new(load_graph(&args.data.data, args.data.limits())?);
    let mut request = async_graphql::Request::new(args.query.clone());
    if let Some(vars) = &args.variables {
        let value: serde_json::Value = serde_json::from_str(vars)
            .map_err(|e| anyhow::anyhow!("--variables is not valid JSON: {e}"))?;
        request = request.variables(async_graphql::Variables::from_json(value));
    }
    let schema = graphql::build_schema(SchemaOptions::default());
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let response = runtime.block_on(schema.execute(graphql::with_graph(request, graph)));
    let failed = response.is_err();
    // Written, not println!: a reader that stops early (`| head`) is a broken pipe, not a panic.
    let mut text = serde_json::to_string_pretty(&response)?;
    text.push('\n');
    match std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
