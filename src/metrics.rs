//! Process-wide metrics in the Prometheus text format (served by the web
//! layer at `/metrics`): HTTP requests and latencies per route, issuances,
//! issuance errors and latencies per seal level, verifications per verdict.
//! Labels never carry personal data, ids or tokens: only route templates,
//! methods, status codes, seal levels and verdicts.

use std::sync::OnceLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    /// The matched route template (`/v/{id}`), never the path itself.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LevelLabels {
    /// `district`, `town` or `village`.
    pub seal_level: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PhaseLabels {
    /// A fixed phase name (see [`Metrics::approval_phase`]).
    pub phase: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct VerdictLabels {
    pub verdict: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn fine_seconds() -> Histogram {
    // 50 µs .. ~0.8 s.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 15))
}

fn seconds() -> Histogram {
    // 1 ms .. ~16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The service's metrics.
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub request_seconds: HistogramFamily<RouteLabels>,
    pub issuances: Family<LevelLabels, Counter>,
    pub issuance_errors: Family<LevelLabels, Counter>,
    pub issuance_seconds: HistogramFamily<LevelLabels>,
    pub verifications: Family<VerdictLabels, Counter>,
    pub verification_seconds: Histogram,
    pub approval_phase_seconds: HistogramFamily<PhaseLabels>,
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("eseal");
        let requests = Family::<RequestLabels, Counter>::default();
        let request_seconds: HistogramFamily<RouteLabels> = Family::new_with_constructor(seconds);
        let issuances = Family::<LevelLabels, Counter>::default();
        let issuance_errors = Family::<LevelLabels, Counter>::default();
        let issuance_seconds: HistogramFamily<LevelLabels> = Family::new_with_constructor(seconds);
        let verifications = Family::<VerdictLabels, Counter>::default();
        let verification_seconds = seconds();
        let approval_phase_seconds: HistogramFamily<PhaseLabels> =
            Family::new_with_constructor(fine_seconds);
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_seconds",
            "HTTP request latency by route",
            request_seconds.clone(),
        );
        registry.register(
            "issuances",
            "Documents issued, by seal level",
            issuances.clone(),
        );
        registry.register(
            "issuance_errors",
            "Failed issuances, by seal level",
            issuance_errors.clone(),
        );
        registry.register(
            "issuance_seconds",
            "Issuance latency (number, render, sign, timestamp, store), by seal level",
            issuance_seconds.clone(),
        );
        registry.register(
            "verifications",
            "Verifications, by verdict",
            verifications.clone(),
        );
        registry.register(
            "verification_seconds",
            "Verification latency",
            verification_seconds.clone(),
        );
        registry.register(
            "approval_phase_seconds",
            "Where an approval's time goes: prepare, wait_seal, sign, wait_writer, record (through commit)",
            approval_phase_seconds.clone(),
        );
        Self {
            registry,
            requests,
            request_seconds,
            issuances,
            issuance_errors,
            issuance_seconds,
            verifications,
            verification_seconds,
            approval_phase_seconds,
        }
    }

    /// Record the time one phase of an approval took; `phase` is one of a
    /// fixed set of names, never input.
    pub fn approval_phase(&self, phase: &'static str, took: Duration) {
        self.approval_phase_seconds
            .get_or_create(&PhaseLabels {
                phase: phase.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    /// Record one issuance attempt.
    pub fn issuance(&self, seal_level: &str, ok: bool, took: Duration) {
        let l = LevelLabels {
            seal_level: seal_level.to_string(),
        };
        if ok {
            self.issuances.get_or_create(&l).inc();
            self.issuance_seconds
                .get_or_create(&l)
                .observe(took.as_secs_f64());
        } else {
            self.issuance_errors.get_or_create(&l).inc();
        }
    }

    /// Record one verification.
    pub fn verification(&self, verdict: &str, took: Duration) {
        self.verifications
            .get_or_create(&VerdictLabels {
                verdict: verdict.to_string(),
            })
            .inc();
        self.verification_seconds.observe(took.as_secs_f64());
    }

    /// Record one HTTP request.
    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method_label(method).to_string(),
                route: route.to_string(),
                status,
            })
            .inc();
        self.request_seconds
            .get_or_create(&RouteLabels {
                route: route.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    /// The text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// A request method as a label: a standard method, or `other`. The client
/// chooses the method, so a series per distinct one would let anyone grow
/// the metrics without bound.
pub fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
    ];
    KNOWN.into_iter().find(|m| *m == method).unwrap_or("other")
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static M: OnceLock<Metrics> = OnceLock::new();
    M.get_or_init(Metrics::new)
}
