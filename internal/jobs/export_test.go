package jobs

// RiverLoggerForTest is riverLogger, for the tests.
var RiverLoggerForTest = riverLogger

// QueueChecksForTest is queueChecks, for the tests.
var QueueChecksForTest = (*Engine).queueChecks

// ProbeDueEmailForTest is probeDueEmail, for the tests.
var ProbeDueEmailForTest = (*Engine).probeDueEmail

// ProbeDueTLSForTest is probeDueTLS, for the tests.
var ProbeDueTLSForTest = (*Engine).probeDueTLS
