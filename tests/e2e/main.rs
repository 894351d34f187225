//! End-to-end tests: the real `recon` binary against the built-in sandbox on
//! 127.0.0.1, in throw-away folders. Nothing leaves the machine.

mod helpers;

mod bodies;
mod cli;
mod faults;
mod history;
mod partial;
mod secrets;
