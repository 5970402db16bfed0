-- The tasks page's default order (open first, then by due date with undated last, newest first)
-- read straight from an index: without it every listing sorted all of the user's tasks
-- (docs/benchmarks.md, "Scale of data"). The CASE is the one `list_tasks_sorted` orders by.
CREATE INDEX tasks_smart_order ON tasks (user_id, completed, (CASE WHEN due_at IS NULL THEN 1 ELSE 0 END), due_at, id DESC);
