//! The daemon's HTTP server: `/metrics` (Prometheus text), `/healthz`
//! (the process answers), `/readyz` (the first reconcile has finished) and
//! `POST /webhook` (a verified push triggers a fetch at once).

pub mod metrics;
pub mod webhook;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use metrics::Metrics;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use webhook::{WebhookOutcome, WebhookSecret};

/// What the handlers share with the daemon.
#[derive(Clone)]
pub struct ServerState {
    pub metrics: Arc<Metrics>,
    /// Set once the first reconcile has finished.
    pub ready: Arc<AtomicBool>,
    /// Wakes the daemon's fetch.
    pub trigger: Arc<Notify>,
    pub webhook: WebhookConfig,
}

/// How webhooks are checked.
#[derive(Clone)]
pub struct WebhookConfig {
    /// `None`: every webhook is refused with 401.
    pub secret: Option<WebhookSecret>,
    /// Pushes to other branches trigger nothing.
    pub branch: String,
}

pub fn router(state: ServerState) -> Router {
    Router::new()
        .route("/metrics", get(metrics_text))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/webhook", post(webhook_push))
        .with_state(state)
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn metrics_text(State(state): State<ServerState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.encode(),
    )
}

async fn readyz(State(state): State<ServerState>) -> impl IntoResponse {
    if state.ready.load(Ordering::Acquire) {
        (StatusCode::OK, "ready\n")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: the first reconcile has not finished\n",
        )
    }
}

/// `POST /webhook`: a verified push to the watched branch wakes a fetch;
/// anything unsigned or wrongly signed gets 401 and triggers nothing.
async fn webhook_push(
    State(state): State<ServerState>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    match webhook::handle(
        state.webhook.secret.as_ref(),
        &headers,
        &body,
        &state.webhook.branch,
    ) {
        Ok(WebhookOutcome::Trigger { after, .. }) => {
            tracing::info!(%after, "webhook: push to the watched branch; fetching now");
            state.trigger.notify_one();
            (StatusCode::ACCEPTED, "fetching\n".to_string())
        }
        Ok(WebhookOutcome::Ping { .. }) => (StatusCode::OK, "pong\n".to_string()),
        Ok(WebhookOutcome::Ignored { reason }) => (StatusCode::OK, format!("ignored: {reason}\n")),
        Err(e) => {
            tracing::warn!(error = %e, "webhook refused");
            let code = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
            (code, format!("{e}\n"))
        }
    }
}
