-- Version 2: the project fields the SDK reads and updates, and its workspace roles.
ALTER TABLE projects ADD COLUMN ethical_consideration TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN stress_test_categories TEXT NOT NULL DEFAULT '[]';
ALTER TABLE projects ADD COLUMN continuous_test_categories TEXT NOT NULL DEFAULT '[]';
ALTER TABLE projects ADD COLUMN workspace_roles TEXT NOT NULL DEFAULT '[]';
ALTER TABLE projects ADD COLUMN updated_at TEXT;
