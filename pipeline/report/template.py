"""The report page: a Jinja2 template (autoescaped) with its styles inline, so the page is one file."""

STYLES = """<style>
  :root { --ink: #1b1b1b; --muted: #555; --rule: #d9d9d9; --accent: #1f5f8b; --flag: #b3261e; }
  body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: var(--ink);
         margin: 0 auto; max-width: 1100px; padding: 1.5rem; line-height: 1.45; }
  h1 { font-size: 1.6rem; margin-bottom: .2rem; }
  h2 { font-size: 1.25rem; border-bottom: 2px solid var(--accent); padding-bottom: .2rem; margin-top: 2.2rem; }
  h3 { font-size: 1.05rem; margin-bottom: .3rem; }
  .meta { color: var(--muted); margin-top: 0; }
  .headlines { background: #f3f7fa; border-left: 4px solid var(--accent); padding: .6rem 1rem; }
  .headlines li { margin: .3rem 0; }
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
  @page { size: A4; margin: 14mm 12mm; }
  @media print {
    body { max-width: none; padding: 0; font-size: 10pt; }
    table { width: 100%; font-size: 8pt; }
    th, td { padding: .15rem .35rem; }
    svg { max-width: 100% !important; }
    h2 { break-after: avoid; }
    table, figure, .issue { break-inside: avoid; }
    details { display: block; }
    details > summary { display: none; }
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
</header>

<section>
  <h2>At a glance</h2>
  <ul class="headlines">
  {% for line in report.headlines %}<li>{{ line }}</li>{% endfor %}
  </ul>
</section>

<section id="categories">
  <h2>1. Complaints by category</h2>
  <figure>{{ charts.categories }}</figure>
  {{ sections.categories }}
</section>

<section id="team-outcomes">
  <h2>2. Teams and outcomes in the commonest categories</h2>
  {% for category, table in sections.team_outcomes %}
  <h3>{{ category }}</h3>
  {{ table }}
  {% endfor %}
</section>

<section id="themes">
  <h2>3. Root-cause themes by team</h2>
  <p class="note">A complaint can have several themes. A thick border marks a theme found in a team more often than
    in the other teams beyond chance.</p>
  {% if charts.heat_map %}<figure>{{ charts.heat_map }}</figure>{% else %}<p>No themes in this year's complaints.</p>{% endif %}
  <h3>Themes over-represented in a team</h3>
  {{ sections.flagged }}
</section>

<section id="upheld">
  <h2>4. How often complaints are upheld</h2>
  <p class="note">Upheld or partially upheld, among complaints with a finding (withdrawn and open complaints are left out).</p>
  <h3>By theme</h3>
  {{ sections.upheld_by_theme }}
  <h3>By team</h3>
  {{ sections.upheld_by_team }}
</section>

<section id="issues">
  <h2>5. Recurring issues per team</h2>
  <p class="note">Groups of similar sentences in the complaints, named by their most distinctive phrases.
    Lift: how many times more often the team's complaints raise the issue than other teams' do.</p>
  {% for team in issues %}
  <div class="team">
    <h3>{{ team.team }}</h3>
    {% if not team.issues %}<p class="note">No issue is raised by enough of this team's complaints to show.</p>{% endif %}
    {% for issue in team.issues %}
    <div class="issue">
      <div><span class="name">{{ issue.name }}</span>: {{ issue.complaints }} complaints ({{ issue.share }} of the team's),
        lift {{ issue.lift }}{% if issue.flagged %} <span class="flag">more than chance</span>{% endif %};
        upheld or partially upheld {{ issue.upheld }} of {{ issue.with_finding }} with a finding.</div>
      {% for quote in issue.quotes %}<blockquote>“{{ quote }}”</blockquote>{% endfor %}
    </div>
    {% endfor %}
  </div>
  {% endfor %}
  {% if hidden_teams %}<p class="note">{{ hidden_teams }} smaller teams are in the workbook's 'Recurring issues' sheet.</p>{% endif %}
</section>

<section id="trends">
  <h2>6. Trends</h2>
  {% for chart in charts.trends %}<figure>{{ chart }}</figure>{% endfor %}
  {% if sections.trends %}
  <p class="note">Change in each label's share of complaints against {{ report.compare_to }}. "Rising" and "falling"
    need a change beyond chance; "new" means none in {{ report.compare_to }}.</p>
  {% for title, table in sections.trends %}<h3>{{ title }}</h3>{{ table }}{% endfor %}
  {% else %}<p>No comparison year in the file.</p>{% endif %}
</section>

<section id="timeliness">
  <h2>7. Responding in time</h2>
  <p class="note">Working days exclude weekends and England's bank holidays (Good Friday, Christmas and Boxing Day
    included). Timescales per stage: {% for stage, days in report.settings.timescales.items() %}stage {{ stage }}
    {{ days[0] }}{% if days[1] != days[0] %} ({{ days[1] }} with an agreed extension){% endif %}{% if not loop.last %}; {% endif %}{% endfor %}.</p>
  {% if report.timeliness.by_stage|length %}
  <h3>By stage</h3>
  {{ sections.by_stage }}
  <h3>By quarter</h3>
  {{ sections.by_quarter }}
  <h3>By team</h3>
  {{ sections.by_team }}
  <h3>Within the timescale, by team and quarter</h3>
  {{ sections.by_team_and_quarter }}
  {% else %}<p>No complaint of {{ report.year }} has both a date received and a date responded, so response
    times cannot be measured.</p>{% endif %}
  {% if sections.change %}<h3>Before and after {{ report.settings.change_label }}</h3>
  <p class="note">Every responded complaint in the file, by whether it arrived before {{ report.settings.change_date }}.</p>
  {{ sections.change }}{% endif %}
</section>

{% if sections.agreement %}
<section id="agreement">
  <h2>Recorded and suggested labels</h2>
  <p>The model's top suggestion matches the recorded category for {{ sections.agreement.rate }} of {{ report.year }}'s complaints.</p>
  {{ sections.agreement.by_category }}
  <h3>Commonest differences</h3>
  {{ sections.agreement.swaps }}
  <h3>Themes</h3>
  {{ sections.agreement.themes }}
</section>
{% endif %}

<section id="notes">
  <h2>8. Notes</h2>
  <ul>{% for note in report.notes %}<li>{{ note }}</li>{% endfor %}</ul>
  {% if report.excluded|length %}
  <details><summary>Rows not counted (first 50; all in the workbook)</summary>
  {{ sections.excluded }}
  </details>
  {% endif %}
</section>
</body>
</html>
"""
)
