//! eseal: the electronic-seal and village certificate signing service of
//! Ganyu District.
//!
//! Dependencies point one way: `web` -> (`document`, `pades`, `verify`,
//! `store`) -> (`crypto`, `pki`, `domain`). Only `crypto` names `ring`.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod admission;
pub mod application;
pub mod audit;
pub mod backup;
pub mod cli;
pub mod configuration;
pub mod cpu_pool;
pub mod crypto;
pub mod custody;
pub mod document;
pub mod domain;
pub mod font;
pub mod issuance;
pub mod metrics;
pub mod ofd;
pub mod pades;
pub mod pdf;
pub mod pki;
pub mod seal;
pub mod ses;
pub mod signing;
pub mod store;
pub mod tsa;
pub mod verify;
pub mod web;
