//! The HTTP side of the daemon. For now only the webhook's pure part
//! ([`webhook`]): verifying and interpreting a forge's push notification.
//! The axum server (`/metrics`, `/healthz`, `/readyz`, `POST /webhook`)
//! comes with the daemon.

pub mod webhook;
