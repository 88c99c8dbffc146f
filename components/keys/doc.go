// Package keys creates the customer-managed KMS keys of one region of a cell, one key per data
// class, so that a compromise or a grant on one class never opens another.
//
// Defaults: rotation on (yearly), a 30-day deletion window, symmetric ENCRYPT_DECRYPT keys, an
// alias "alias/<prefix>-<class>" per key, and the caller's tags on every key.
//
// Key policy: the account root administers the key (this delegates to IAM policies, which the
// policy pack checks for least privilege); each class names the AWS services that may use it,
// through kms:ViaService and kms:CallerAccount conditions, plus the principals listed in
// Args.Users. There is never a wildcard principal.
//
// Refuses: an unknown region, an empty class list, an unknown class, a deletion window outside
// 7-30 days, a user that is not an IAM ARN.
package keys
