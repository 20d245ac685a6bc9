//! HTTP: pages, JSON API, accounts. Comes with a later issue.
