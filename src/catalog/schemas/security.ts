/**
 * Security events, on `security`: authentication outcomes and access violations. Secrets
 * (passwords, tokens) never appear in these payloads; principals are ids, not credentials.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Context, IpAddress, NodeId, Severity, Text, Timestamp } from './common.js';

/** What kind of authentication step happened. */
export const AuthKind = Type.Union([
  Type.Literal('login'),
  Type.Literal('logout'),
  Type.Literal('token_issued'),
  Type.Literal('token_refreshed'),
  Type.Literal('token_revoked'),
  Type.Literal('mfa_challenge'),
]);
/** What kind of authentication step happened. */
export type AuthKind = Static<typeof AuthKind>;

/** How the principal authenticated. */
export const AuthMethod = Type.Union([
  Type.Literal('password'),
  Type.Literal('oauth'),
  Type.Literal('sso'),
  Type.Literal('api_key'),
  Type.Literal('mtls'),
  Type.Literal('mfa'),
]);
/** How the principal authenticated. */
export type AuthMethod = Static<typeof AuthMethod>;

/** An authentication step succeeded or failed. */
export const AuthEvent = Type.Object(
  {
    node: NodeId,
    timestamp: Timestamp,
    kind: AuthKind,
    method: AuthMethod,
    outcome: Type.Union([Type.Literal('success'), Type.Literal('failure')]),
    severity: Severity,
    principal: Type.Optional(Text(128, 'User or client id; absent when unknown')),
    sourceIp: Type.Optional(IpAddress),
    userAgent: Type.Optional(Text(512)),
    reason: Type.Optional(Text(256, 'Why it failed, e.g. bad_password, expired_token')),
  },
  { additionalProperties: false },
);
/** An authentication step. */
export type AuthEvent = Static<typeof AuthEvent>;

/** Why access was refused. */
export const ViolationKind = Type.Union([
  Type.Literal('unauthenticated'),
  Type.Literal('forbidden'),
  Type.Literal('invalid_token'),
  Type.Literal('rate_limited'),
  Type.Literal('ip_blocked'),
  Type.Literal('csrf'),
]);
/** Why access was refused. */
export type ViolationKind = Static<typeof ViolationKind>;

/** A request was refused by an access rule. */
export const AccessViolation = Type.Object(
  {
    node: NodeId,
    timestamp: Timestamp,
    kind: ViolationKind,
    severity: Severity,
    resource: Text(512, 'What was accessed, e.g. /admin/users or orders:42'),
    action: Text(64, 'What was attempted, e.g. GET, delete'),
    principal: Type.Optional(Text(128)),
    sourceIp: Type.Optional(IpAddress),
    policy: Type.Optional(Text(128, 'The rule that refused it')),
    context: Type.Optional(Context),
  },
  { additionalProperties: false },
);
/** A request was refused by an access rule. */
export type AccessViolation = Static<typeof AccessViolation>;
