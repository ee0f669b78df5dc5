import { registerEnumType } from 'type-graphql';

export enum AgentRole {
  ADMIN = 'ADMIN',
  AGENT = 'AGENT',
}
registerEnumType(AgentRole, { name: 'AgentRole', description: 'ADMIN manages Warden; AGENT queries what it is granted.' });

export enum AgentStatus {
  ACTIVE = 'ACTIVE',
  REVOKED = 'REVOKED',
}
registerEnumType(AgentStatus, { name: 'AgentStatus' });

export enum GrantScope {
  DATABASE = 'DATABASE',
  SCHEMA = 'SCHEMA',
  TABLE = 'TABLE',
  COLUMNS = 'COLUMNS',
}
registerEnumType(GrantScope, { name: 'GrantScope', description: 'How much of a database a grant covers.' });

export enum GrantAction {
  READ = 'READ',
  INSERT = 'INSERT',
  UPDATE = 'UPDATE',
  DELETE = 'DELETE',
  ALL = 'ALL',
}
registerEnumType(GrantAction, { name: 'GrantAction' });

export enum DatabaseState {
  AVAILABLE = 'AVAILABLE',
  UNAVAILABLE = 'UNAVAILABLE',
}
registerEnumType(DatabaseState, { name: 'DatabaseState' });

export enum NotificationSeverity {
  LOW = 'LOW',
  MEDIUM = 'MEDIUM',
  HIGH = 'HIGH',
  CRITICAL = 'CRITICAL',
}
registerEnumType(NotificationSeverity, { name: 'NotificationSeverity', description: 'How urgent a security notification is, LOW to CRITICAL.' });
