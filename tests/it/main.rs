//! Integration tests: the client against the sandbox over loopback, and the command line.
//! One binary, so that the sandbox harness is compiled once.

mod annotations;
mod auth;
mod capture;
mod check;
mod cli;
mod condor;
mod events;
mod faults;
mod harness;
mod reliability;
mod schema;
mod shift;
mod superevents;
mod timing;
mod token;
mod workflows;
