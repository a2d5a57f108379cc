// A webpack loader for tests: rewrites a module's source before it is compiled, so a test can bundle the real
// workflow code with one deliberate change. Options: { edits: [{ from, to }] }; an edit whose `from` is no
// longer in the source fails the build, so the test cannot pass on code it no longer changes.
module.exports = function rewrite(source) {
  const { edits } = this.getOptions();
  let out = source;
  for (const { from, to } of edits) {
    if (!out.includes(from)) throw new Error(`rewrite-loader: ${this.resourcePath} no longer contains ${JSON.stringify(from)}`);
    out = out.replace(from, to);
  }
  return out;
};
