"""The report page: a Jinja2 template (autoescaped) with its styles inline, so the page is one file."""

STYLES = """<style>
  :root { --ink: #1b1b1b; --muted: #555; --rule: #d9d9d9; --accent: #1f5f8b; --flag: #b3261e; }
  body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: var(--ink);
         margin: 0 auto; max-width: 1100px; padding: 1.5rem; line-height: 1.45; }
  h1 { font-size: 1.6rem; margin-bottom: .2rem; }
  h2 { font-size: 1.25rem; border-bottom: 2px solid var(--accent); padding-bottom: .2rem; margin-top: 1.8rem; }
  header h1 + .meta { margin-bottom: .4rem; }
  h3 { font-size: 1.05rem; margin-bottom: .3rem; }
  .meta { color: var(--muted); margin-top: 0; }
  .headlines { background: #f3f7fa; border-left: 4px solid var(--accent); padding: .5rem 1rem .5rem 2rem; margin: .6rem 0; }
  .headlines li { margin: .2rem 0; }
  nav.contents ul { columns: 3; column-gap: 2rem; margin: .3rem 0 0; padding: 0; list-style: none; font-size: .92rem; }
  nav.contents a { color: var(--accent); }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: .8rem; margin: .6rem 0; }
  .card { border: 1px solid var(--rule); border-top: 4px solid var(--flag); border-radius: 4px; padding: .5rem .8rem;
          break-inside: avoid; }
  .card .name { font-weight: 700; font-size: 1.05rem; }
  .card p { margin: .25rem 0; }
  .card blockquote { margin: .4rem 0 0; font-size: .92rem; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 0 1.5rem; align-items: start; }
  .grid > * { min-width: 0; }
  #issues table { width: 100%; }
  #issues td:last-child { min-width: 22rem; color: #333; }
  table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .88rem; }
  caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
  th, td { border-bottom: 1px solid var(--rule); padding: .25rem .6rem; text-align: left; vertical-align: top; }
  th { background: #f5f5f5; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .small { font-style: italic; color: var(--muted); }
  .issue { border: 1px solid var(--rule); border-radius: 4px; padding: .5rem .8rem; margin: .5rem 0; break-inside: avoid; }
  .issue .name { font-weight: 600; }
  .issue .flag { color: var(--flag); font-weight: 600; }
  blockquote { margin: .3rem 0 .3rem 1rem; padding-left: .6rem; border-left: 3px solid var(--rule); color: #333; }
  .team { break-inside: avoid-page; }
  .note { color: var(--muted); font-size: .9rem; }
  figure { margin: .5rem 0 1rem; }
  details summary { cursor: pointer; color: var(--accent); }
  .print-only { display: none; }
  @page { size: A4; margin: 14mm 12mm; }
  @media print {
    body { max-width: none; padding: 0; font-size: 10pt; }
    .grid { display: block; }
    .cards { grid-template-columns: repeat(3, 1fr); gap: .4rem; }
    nav.contents { display: none; }
    #issues td:last-child { min-width: 12rem; }
    table { width: 100%; font-size: 8pt; }
    th, td { padding: .15rem .35rem; }
    svg { max-width: 100% !important; }
    h2 { break-after: avoid; }
    table, figure, .issue { break-inside: avoid; }
    .screen-only { display: none; }
    .print-only { display: block; }
    a { color: inherit; text-decoration: none; }
  }
</style>"""

PAGE = (
    """\
<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ report.title }}: {{ report.year }}</title>
"""
    + STYLES
    + """
</head>
<body>
<header>
  <h1>{{ report.title }}</h1>
  <p class="meta">Financial year {{ report.year }}{% if report.compare_to %}, compared with {{ report.compare_to }}{% endif %}.
    {{ report.complaints }} complaints. Labels: {{ report.labels_shown }}.{% if generated %} Produced {{ generated }}.{% endif %}</p>
  <nav class="contents" aria-label="Contents"><strong>Contents</strong>
    <ul>{% for id, title in contents %}<li><a href="#{{ id }}">{{ title }}</a></li>{% endfor %}</ul>
  </nav>
</header>

<section id="glance">
  <h2>{{ heading.glance }}</h2>
  {% if leading %}
  <h3>What keeps going wrong</h3>
  <div class="cards">
  {% for issue in leading %}
    <div class="card">
      <div class="name">{{ issue.name }}</div>
      <p><strong>{{ issue.team }}</strong>: {{ issue.complaints }} of its {{ issue.team_complaints }} complaints, {{ issue.how_often }} ({{ issue.chance }}).</p>
      {% if issue.trend %}<p>{{ issue.trend }}</p>{% endif %}
      {% if issue.quote %}<blockquote>“{{ issue.quote }}”</blockquote>{% endif %}
    </div>
  {% endfor %}
  </div>
  {% endif %}
  <ul class="headlines">
  {% for line in report.headlines %}<li>{{ line }}</li>{% endfor %}
  </ul>
  <p class="note">Exact figures (rates, lifts, p- and q-values) are in the sections below and in the workbook.</p>
</section>

<section id="categories">
  <h2>{{ heading.categories }}</h2>
  <div class="grid"><figure>{{ charts.categories }}</figure><div>{{ sections.categories }}</div></div>
</section>

<section id="team-outcomes">
  <h2>{{ heading["team-outcomes"] }}</h2>
  <div class="grid">
  {% for category, table in sections.team_outcomes %}
  <div><h3>{{ category }}</h3>{{ table }}</div>
  {% endfor %}
  </div>
</section>

<section id="themes">
  <h2>{{ heading.themes }}</h2>
  <p class="note">A complaint can have several themes. A thick border marks a theme found in a team more often than
    in the other teams beyond chance.</p>
  {% if charts.heat_map %}<figure>{{ charts.heat_map }}</figure>{% else %}<p>No themes in this year's complaints.</p>{% endif %}
  <h3>Themes over-represented in a team</h3>
  {{ sections.flagged }}
</section>

<section id="upheld">
  <h2>{{ heading.upheld }}</h2>
  <p class="note">Upheld or partially upheld, among complaints with a finding (withdrawn and open complaints are left out).</p>
  <div class="grid">
  <div><h3>By theme</h3>{{ sections.upheld_by_theme }}</div>
  <div><h3>By team</h3>{{ sections.upheld_by_team }}</div>
  </div>
</section>

<section id="issues">
  <h2>{{ heading.issues }}</h2>
  <p class="note">Groups of similar sentences in the complaints, each named by the phrase its most typical sentences
    share and quoted from them. Lift: how many times more often the team's complaints raise the issue than other
    teams' do; q: the chance of a false alarm after correcting for every team and issue tested.{% if report.compare_to %}
    Trend: the team's share of complaints raising the issue against {{ report.compare_to }}.{% endif %}</p>
  {{ sections.issues }}
  {% if hidden_teams %}<p class="note">{{ hidden_teams }} smaller teams are in the workbook's 'Recurring issues' sheet.</p>{% endif %}
</section>

<section id="trends">
  <h2>{{ heading.trends }}</h2>
  <div class="grid">{% for chart in charts.trends %}<figure>{{ chart }}</figure>{% endfor %}</div>
  {% if sections.trends %}
  <p class="note">Change in each label's share of complaints against {{ report.compare_to }}. "Rising" and "falling"
    need a change beyond chance; "new" means none in {{ report.compare_to }}.</p>
  {% if sections.moved %}{{ sections.moved }}{% else %}<p>No category or theme changed its share beyond chance.</p>{% endif %}
  {# A closed <details> prints nothing of its content, so print has its own copy. #}
  <details class="screen-only"><summary>Every category and theme, with its figures</summary>
  {% for title, table in sections.trends %}<h3>{{ title }}</h3>{{ table }}{% endfor %}
  </details>
  <div class="print-only">{% for title, table in sections.trends %}<h3>{{ title }}</h3>{{ table }}{% endfor %}</div>
  {% else %}<p>No comparison year in the file.</p>{% endif %}
</section>

<section id="timeliness">
  <h2>{{ heading.timeliness }}</h2>
  <p class="note">Working days exclude weekends and England's bank holidays (Good Friday, Christmas and Boxing Day
    included). Timescales per stage: {% for stage, days in report.settings.timescales.items() %}stage {{ stage }}
    {{ days[0] }}{% if days[1] != days[0] %} ({{ days[1] }} with an agreed extension){% endif %}{% if not loop.last %}; {% endif %}{% endfor %}.</p>
  {% if report.timeliness.by_stage|length %}
  <div class="grid">
  <div><h3>By stage</h3>{{ sections.by_stage }}</div>
  <div><h3>By quarter</h3>{{ sections.by_quarter }}</div>
  <div><h3>By team</h3>{{ sections.by_team }}</div>
  <div><h3>Within the timescale, by team and quarter</h3>{{ sections.by_team_and_quarter }}</div>
  </div>
  {% else %}<p>No complaint of {{ report.year }} has both a date received and a date responded, so response
    times cannot be measured.</p>{% endif %}
  {% if sections.change %}<h3>Before and after {{ report.settings.change_label }}</h3>
  <p class="note">Every responded complaint in the file, by whether it arrived before {{ change_date }}.</p>
  {{ sections.change }}{% endif %}
</section>

{% if sections.agreement %}
<section id="agreement">
  <h2>{{ heading.agreement }}</h2>
  <p>The model's top suggestion matches the recorded category for {{ sections.agreement.rate }} of {{ report.year }}'s complaints.</p>
  {{ sections.agreement.by_category }}
  <h3>Commonest differences</h3>
  {{ sections.agreement.swaps }}
  <h3>Themes</h3>
  {{ sections.agreement.themes }}
</section>
{% endif %}

<section id="notes">
  <h2>{{ heading.notes }}</h2>
  <ul>{% for note in report.notes %}<li>{{ note }}</li>{% endfor %}</ul>
  {% if report.excluded|length %}
  <details class="screen-only"><summary>Rows not counted (first 50; all in the workbook)</summary>
  {{ sections.excluded }}
  </details>
  <div class="print-only"><h3>Rows not counted (first 50; all in the workbook)</h3>{{ sections.excluded }}</div>
  {% endif %}
</section>
</body>
</html>
"""
)

SECTIONS = (  # (id, title), in the page's order; "agreement" only with --labels both
    ("glance", "At a glance"),
    ("categories", "Complaints by category"),
    ("team-outcomes", "Teams and outcomes in the commonest categories"),
    ("themes", "Root-cause themes by team"),
    ("upheld", "How often complaints are upheld"),
    ("issues", "Recurring issues per team"),
    ("trends", "Trends"),
    ("timeliness", "Responding in time"),
    ("agreement", "Recorded and suggested labels"),
    ("notes", "Notes"),
)
