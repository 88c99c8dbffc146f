package postgres

// AcquireRead exposes the read admission to the tests.
var AcquireRead = (*DB).acquireRead
