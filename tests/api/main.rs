//! Black-box API tests: the real application on a random port against a
//! fresh database, on SQLite and (when ESEAL_TEST_PG_URL is set) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

#[path = "../common/mod.rs"]
mod common;

mod helpers;

mod applications;
mod audit_chain;
mod auth;
mod crl_schedule;
mod edge_details;
mod flood;
mod health;
mod login_bounds;
mod matrix;
mod pages;
mod slow_clients;
mod verify;
