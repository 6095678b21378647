package jobs

// RiverLoggerForTest is riverLogger, for the tests.
var RiverLoggerForTest = riverLogger
