//! Shared test support: databases per test on both backends, the binary, the site farm.
#![allow(dead_code)]

pub mod browser;
pub mod cli;
pub mod console;
pub mod db;
pub mod dns;
pub mod farm;
pub mod parking;
pub mod private_pg;
pub mod receiver;
pub mod scenario;
pub mod seed;
pub mod server;
pub mod tls;
pub mod wait;
pub mod walls;
pub mod web;
