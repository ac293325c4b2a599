/**
 * The console page's HTML and styles. The script is the compiled lib/console/page/app.ts, served
 * as `assets/app.js`; the chart library is the `uplot` dependency's own files. Every URL is
 * relative, so the page works under any mount point that ends in a slash.
 * @module
 */

/** The whole page; the views are filled in by the script. */
export const consolePageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Paddock console</title>
<link rel="stylesheet" href="assets/uplot.css">
<style>
:root { --fg: #1d2330; --muted: #5b6475; --line: #d6dae2; --bg: #f6f7f9; --accent: #1f5fbf; --bad: #b3261e; --ok: #1b7f3b; font: 14px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0; }
header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .5rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1rem; margin: 0; }
nav { display: flex; gap: .25rem; }
nav button[aria-selected="true"] { background: var(--accent); color: #fff; border-color: var(--accent); }
button, input, select, textarea { font: inherit; }
button { border: 1px solid var(--line); background: #fff; border-radius: 4px; padding: .25rem .6rem; cursor: pointer; }
button:focus-visible, input:focus-visible, a:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
input, select, textarea { border: 1px solid var(--line); border-radius: 4px; padding: .25rem .4rem; background: #fff; }
#auth { margin-left: auto; display: flex; gap: .4rem; align-items: center; flex-wrap: wrap; }
#auth input { width: 8rem; }
.badge { padding: .1rem .5rem; border-radius: 999px; background: #eceff4; color: var(--muted); }
main { padding: 1rem; }
section[hidden] { display: none; }
#message { min-height: 1.4rem; margin: 0 1rem; }
.error { color: var(--bad); }
.ok { color: var(--ok); }
.tree { display: grid; grid-template-columns: minmax(16rem, 1fr) 2fr; gap: 1rem; }
@media (max-width: 760px) { .tree { grid-template-columns: 1fr; } #auth { margin-left: 0; } }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .75rem; min-width: 0; }
.pathbar { display: flex; gap: .4rem; margin-bottom: .5rem; }
.pathbar input { flex: 1; min-width: 0; }
.crumbs { margin-bottom: .5rem; word-break: break-all; }
.crumbs a { color: var(--accent); cursor: pointer; }
ul.children { list-style: none; padding: 0; margin: .5rem 0; max-height: 60vh; overflow: auto; }
ul.children li .node { display: flex; border-bottom: 1px solid #eef0f3; }
ul.children li .node button { flex: 1; text-align: left; border: 0; border-radius: 0; display: flex; justify-content: space-between; gap: .5rem; }
ul.children li .node .toggle { flex: 0 0 1.6rem; justify-content: center; color: var(--muted); }
ul.children li > button { border: 0; color: var(--accent); }
ul.nested { margin: 0 0 0 1.2rem; max-height: none; overflow: visible; }
ul.children li button:hover { background: #f0f4fb; }
.count { color: var(--muted); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid #eef0f3; vertical-align: top; }
th { color: var(--muted); font-weight: 500; white-space: nowrap; }
pre { background: #f3f4f7; padding: .5rem; overflow: auto; max-height: 40vh; margin: .25rem 0; white-space: pre-wrap; word-break: break-all; }
textarea { width: 100%; box-sizing: border-box; min-height: 8rem; font-family: ui-monospace, monospace; }
.row { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .4rem 0; }
.confirm { border: 1px solid var(--bad); padding: .5rem; border-radius: 4px; background: #fff5f4; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 30rem), 1fr)); gap: 1rem; }
#events li { font-family: ui-monospace, monospace; }
h2 { font-size: 1rem; margin: .25rem 0 .5rem; }
.scroll { overflow: auto; max-height: 50vh; }
#view-ensemble .panel + .panel { margin-top: 1rem; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 24rem), 1fr)); gap: 1rem; }
table.paths td { white-space: pre; font-family: ui-monospace, monospace; }
pre.output { max-height: 70vh; white-space: pre; }
</style>
</head>
<body>
<header>
<h1>Paddock console</h1>
<span id="target" class="badge"></span>
<nav role="tablist" aria-label="Views">
<button role="tab" id="tab-tree" data-view="tree" aria-selected="true" title="Tree (Alt+1)">Tree</button>
<button role="tab" id="tab-live" data-view="live" aria-selected="false" title="Live (Alt+2)">Live</button>
<button role="tab" id="tab-ensemble" data-view="ensemble" aria-selected="false" title="Ensemble (Alt+3)">Ensemble</button>
<button role="tab" id="tab-metrics" data-view="metrics" aria-selected="false" title="Metrics (Alt+4)">Metrics</button>
<button role="tab" id="tab-sessions" data-view="sessions" aria-selected="false" title="Sessions (Alt+5)">Sessions</button>
<button role="tab" id="tab-commands" data-view="commands" aria-selected="false" title="Commands (Alt+6)">Commands</button>
</nav>
<form id="auth"></form>
</header>
<p id="message" role="status" aria-live="polite"></p>
<main>
<section id="view-tree" role="tabpanel" aria-labelledby="tab-tree">
<div class="tree">
<div class="panel">
<form class="pathbar" id="jump"><input id="path" aria-label="Path" list="completions" autocomplete="off" spellcheck="false"><datalist id="completions"></datalist><button>Go</button></form>
<div class="crumbs" id="crumbs"></div>
<div class="pathbar"><input id="filter" aria-label="Filter children" placeholder="Filter children"></div>
<div class="row"><button id="prev" aria-label="Previous page">&lsaquo;</button><span id="range" class="count"></span><button id="next" aria-label="Next page">&rsaquo;</button></div>
<ul class="children" id="children" aria-label="Children"></ul>
</div>
<div class="panel" id="detail"></div>
</div>
</section>
<section id="view-live" role="tabpanel" aria-labelledby="tab-live" hidden>
<div class="panel">
<form class="row" id="watch-form"><input id="watch-path" aria-label="Path to watch" value="/"><label><input type="checkbox" id="watch-recursive" checked> subtree</label><button id="watch-start">Watch</button><button type="button" id="watch-stop" disabled>Stop</button><span id="watch-state" class="count"></span></form>
<table><thead><tr><th>Time</th><th>Event</th><th>Path</th><th>zxid</th></tr></thead><tbody id="events"></tbody></table>
</div>
</section>
<section id="view-ensemble" role="tabpanel" aria-labelledby="tab-ensemble" hidden>
<div class="panel"><h2>Members</h2><div class="scroll"><table id="members"></table></div></div>
<div class="panel"><h2>Elections</h2><p id="leader-summary"></p>
<div class="pair"><div class="scroll"><table id="election-history" aria-label="Leaders elected"></table></div><div class="scroll"><table id="role-changes" aria-label="Role changes"></table></div></div></div>
<div class="panel"><h2>Configuration</h2><p id="configuration-about" class="count"></p><div class="scroll"><table id="configuration"></table></div></div>
</section>
<section id="view-metrics" role="tabpanel" aria-labelledby="tab-metrics" hidden>
<div class="charts" id="charts"></div>
</section>
<section id="view-sessions" role="tabpanel" aria-labelledby="tab-sessions" hidden>
<div class="panel"><h2>Sessions</h2><p id="sessions-notes" class="count"></p><div class="scroll"><table id="sessions" class="paths"></table></div></div>
</section>
<section id="view-commands" role="tabpanel" aria-labelledby="tab-commands" hidden>
<div class="panel">
<form class="row" id="command-form"><select id="command-member" aria-label="Member"></select><select id="command-name" aria-label="Command"></select><button id="command-run">Run</button><span id="command-meta" class="count"></span></form>
<p id="command-about" class="count"></p>
<pre id="command-output" class="output" aria-label="Command output"></pre>
</div>
</section>
</main>
<script src="assets/uplot.js"></script>
<script type="module" src="assets/app.js"></script>
</body>
</html>
`
