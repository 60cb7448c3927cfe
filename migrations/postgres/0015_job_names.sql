-- Job types are named <module>.<verb> (issue 15): the estimating module's three jobs that had
-- other prefixes are renamed, queued and finished jobs and recurring schedules alike, so a job
-- queued before the upgrade still finds its handler.
UPDATE jobs SET type = 'estimating.render_quote_pdf' WHERE type = 'quotes.render_pdf';
UPDATE jobs SET type = 'estimating.keyedin_sync' WHERE type = 'connectors.keyedin.sync';
UPDATE jobs SET type = 'estimating.keyedin_push_estimate'
  WHERE type = 'connectors.keyedin.push_estimate';
UPDATE recurring_jobs SET name = 'estimating.keyedin_sync', type = 'estimating.keyedin_sync'
  WHERE type = 'connectors.keyedin.sync';
