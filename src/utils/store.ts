/**
 * The embedded store: one SQLite file in DATA_DIR (WAL mode, so readers never wait for the
 * writer and a crash loses nothing committed). Each component that keeps state creates its
 * own tables through `migrate`, so the store knows nothing about jobs, settings or metrics.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type SqliteDatabase = Database.Database;

/** Opens (creating if needed) the SQLite database at `path` with the settings dlbot relies on. */
export function openDatabase(path: string): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}

/** The default database file for a data directory. */
export function databasePath(dataDir: string): string {
  return join(dataDir, 'dlbot.db');
}

/** Runs each statement of `schema` once per database (idempotent CREATE … IF NOT EXISTS). */
export function migrate(db: SqliteDatabase, schema: string): void {
  db.exec(schema);
}
