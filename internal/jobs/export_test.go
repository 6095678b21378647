package jobs

// RiverLoggerForTest is riverLogger, for the tests.
var RiverLoggerForTest = riverLogger

// QueueChecksForTest is queueChecks, for the tests.
var QueueChecksForTest = (*Engine).queueChecks
