// A node:test reporter that counts leaf tests and writes {passed, failed, skipped, durations} as
// JSON; durations are the milliseconds of top-level tests summed by the file that defines them,
// which scripts/run-tests.mjs keeps to start the longest files first next time. It prints the
// closing `N passed, N failed` line from the counts.
export default async function* countReporter(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const durations = {};
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { file, nesting, details } = event.data;
    if (file && nesting === 0 && typeof details?.duration_ms === 'number') {
      durations[file] = (durations[file] ?? 0) + details.duration_ms;
    }
    if (details?.type === 'suite') continue;
    if (event.data.skip || event.data.todo) skipped++;
    else if (event.type === 'test:pass') passed++;
    else failed++;
  }
  yield JSON.stringify({ passed, failed, skipped, durations });
}
