//! Fetching a domain's home page with reqwest, under bounded time, size and redirects, and
//! never from a non-public address unless the operator allows it.
