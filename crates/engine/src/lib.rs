//! Data in and out, and methods applied to tables.
