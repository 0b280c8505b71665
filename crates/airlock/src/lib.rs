pub use airlock_host::*;
