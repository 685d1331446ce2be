//! The Partitioning and sharding lesson's console (`sim::data`): the database's servers drawn as
//! row bands (one colour per table, the servers the last query reached outlined), a SQL box
//! with examples, and the last answer: its rows a page at a time, and its plan (the route, the
//! SQL each server received, the partitions scanned, the rows examined, the simulated time).
//! The panel holds only its form; queries go to the run as changes.

use crate::panels::charts::Chart;
use crate::panels::space_time::SpaceTime;
use crate::player::DataView;
use sim::data::console::{Answer, Entry};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DataConsoleProps {
    pub view: DataView,
    pub on_query: Callback<String>,
}

/// Queries to start from, one per point of the lesson.
const EXAMPLES: [(&str, &str); 7] = [
    ("Point read", "SELECT * FROM users WHERE id = 42"),
    ("IN list", "SELECT id, user_id, total_cents FROM orders WHERE user_id IN (3, 7, 12)"),
    ("Scatter aggregate", "SELECT country, COUNT(*) FROM users GROUP BY country ORDER BY 2 DESC LIMIT 5"),
    ("Average", "SELECT AVG(total_cents) FROM orders"),
    ("Join across keys", "SELECT p.title, c.body FROM posts p JOIN comments c ON c.post_id = p.id WHERE p.id = 12"),
    ("Pruning", "EXPLAIN SELECT COUNT(*) FROM orders WHERE created_at >= '2025-03-01' AND created_at < '2025-04-01'"),
    ("Move a row", "UPDATE orders SET user_id = 8 WHERE id = 3"),
];

const PAGE_ROWS: usize = 20;
const TABLE_COLOURS: [(&str, &str); 7] = [
    ("users", "#4c78a8"),
    ("posts", "#f58518"),
    ("comments", "#54a24b"),
    ("orders", "#b279a2"),
    ("countries", "#9d755d"),
    ("users_hot", "#4c78a8"),
    ("users_cold", "#9ecae9"),
];

fn colour(table: &str) -> &'static str {
    TABLE_COLOURS.iter().find(|(t, _)| table == *t || table.starts_with(&format!("{t}_"))).map_or("#bab0ac", |c| c.1)
}

#[function_component(DataConsole)]
pub fn data_console(props: &DataConsoleProps) -> Html {
    let text =
        use_state(|| props.view.last.as_ref().map(|e| e.sql.clone()).unwrap_or_else(|| EXAMPLES[0].1.to_string()));
    let page = use_state(|| 0usize);
    // A new answer starts at its first page.
    {
        let page = page.clone();
        use_effect_with(props.view.queries_run, move |_| page.set(0));
    }
    let run = {
        let (text, on_query) = (text.clone(), props.on_query.clone());
        Callback::from(move |explain: bool| {
            let sql = (*text).trim().to_string();
            let already = sql.to_ascii_lowercase().starts_with("explain");
            on_query.emit(if explain && !already { format!("EXPLAIN {sql}") } else { sql });
        })
    };
    let on_input = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| text.set(e.target_unchecked_into::<HtmlTextAreaElement>().value()))
    };
    let on_keydown = {
        let run = run.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) {
                e.prevent_default();
                run.emit(false);
            }
        })
    };
    let touched: Vec<String> = match props.view.last.as_deref() {
        Some(Entry { outcome: Ok(a), .. }) => a.plan.parts.iter().map(|p| p.server.to_string()).collect(),
        _ => Vec::new(),
    };
    html! {
        <section class="data-console" aria-label="Database and SQL console">
            <h2>{ "Database: " }{ &props.view.layout }</h2>
            if let Some(line) = &props.view.replication {
                <p class="replication">{ line }</p>
            }
            if let Some((label, line)) = &props.view.twin_replication {
                <p class="replication twin"><strong>{ format!("Beside it, {label}: ") }</strong>{ line }</p>
            }
            if let Some(line) = &props.view.multi_primary {
                <p class="replication">{ line }</p>
            }
            if let Some((label, line)) = &props.view.twin_multi_primary {
                <p class="replication twin"><strong>{ format!("Beside it, {label}: ") }</strong>{ line }</p>
            }
            if !props.view.conflicts.is_empty() {
                <h3 class="conflicts-head">{ "Latest conflicts" }</h3>
                <ol class="conflicts">
                    { for props.view.conflicts.iter().map(|(at_s, text)| html! {
                        <li><span class="at">{ format!("{at_s:.3} s") }</span>{ " " }{ text }</li>
                    }) }
                </ol>
            }
            if let Some(view) = &props.view.space_time {
                <SpaceTime view={view.clone()} />
            }
            if let Some((seconds, lines)) = &props.view.lag_chart {
                <div class="charts lag">
                    <Chart title="Replica lag" unit="s behind the primary" seconds={seconds.clone()} lines={lines.clone()} />
                </div>
            }
            { servers(&props.view, &touched) }
            <label class="sql-label" for="sql-box">{ "SQL (Ctrl+Enter runs it)" }</label>
            <textarea id="sql-box" class="sql-box" rows="3" spellcheck="false" value={(*text).clone()}
                oninput={on_input} onkeydown={on_keydown} />
            <div class="row">
                <button class="primary" onclick={run.reform(|_: MouseEvent| false)}>{ "Run" }</button>
                <button onclick={run.reform(|_: MouseEvent| true)}>{ "Explain" }</button>
                if let Some(shards) = props.view.shards {
                    <button title="Add a shard; the rows move while the data stays (\\reshard)"
                        onclick={props.on_query.reform(move |_: MouseEvent| format!("\\reshard {}", shards + 1))}>{ "+ Shard" }</button>
                    <button disabled={shards <= 1} title="Remove a shard (\\reshard)"
                        onclick={props.on_query.reform(move |_: MouseEvent| format!("\\reshard {}", shards.saturating_sub(1).max(1)))}>{ "− Shard" }</button>
                }
                <button title="1,000 reads with Zipf-popular keys: see which servers do the work (\\traffic)"
                    onclick={props.on_query.reform(|_: MouseEvent| "\\traffic 1000".to_string())}>{ "Traffic ×1000" }</button>
                <span class="examples" aria-label="Examples">
                    { for EXAMPLES.iter().map(|(label, sql)| {
                        let text = text.clone();
                        let sql = sql.to_string();
                        html! { <button class="example" title={sql.clone()} onclick={Callback::from(move |_: MouseEvent| text.set(sql.clone()))}>{ *label }</button> }
                    }) }
                </span>
            </div>
            if let Some(entry) = props.view.last.as_deref() {
                { answer(entry, *page, page.setter()) }
            }
            if let Some((label, Ok(twin))) = props.view.twin_last.as_ref().map(|(l, e)| (l, &e.outcome)) {
                // The split view's other run got the same query: its plan (a reshard's moves) beside.
                <div class="answer twin">
                    <h3>{ format!("Beside it, under {label}") }</h3>
                    <pre class="plan" aria-label={format!("Plan under {label}")}>{ &twin.plan_text }</pre>
                </div>
            }
        </section>
    }
}

/// Each server as a box of row bands, one per table, as wide as its share of the rows.
fn servers(view: &DataView, touched: &[String]) -> Html {
    let most = view.servers.iter().map(|(_, t)| t.iter().map(|x| x.1).sum::<usize>()).max().unwrap_or(1).max(1);
    html! {
        <ul class="db-servers" aria-label="Servers and their rows">
            { for view.servers.iter().map(|(name, tables)| {
                let total: usize = tables.iter().map(|x| x.1).sum();
                let queries = view.queries.iter().find(|(s, _)| s == name).map_or(0, |q| q.1);
                let class = if touched.contains(name) { "db-server touched" } else { "db-server" };
                let label = format!("{name}: {total} rows{}", if touched.contains(name) { ", reached by the last query" } else { "" });
                html! {
                    <li class={class} aria-label={label}>
                        <span class="db-name">{ name }</span>
                        <span class="bands" style={format!("width: {:.1}%", 100.0 * total as f64 / most as f64)}>
                            { for tables.iter().filter(|(_, n)| *n > 0).map(|(table, n)| html! {
                                <span class="band" title={format!("{table}: {n} rows")}
                                    style={format!("flex-grow: {n}; background: {}", colour(table))} />
                            }) }
                        </span>
                        <span class="db-rows">{ format!("{total} rows · {queries} q") }</span>
                    </li>
                }
            }) }
        </ul>
    }
}

fn answer(entry: &Entry, page: usize, set_page: UseStateSetter<usize>) -> Html {
    match &entry.outcome {
        Err(message) => html! {
            <div class="answer">
                <pre class="sql-error" role="alert">{ message }</pre>
                <p class="hint">{ "Fix the query and run it again: nothing was changed." }</p>
            </div>
        },
        Ok(a) => html! {
            <div class="answer">
                { rows(a, page, set_page) }
                <pre class="plan" aria-label="Plan">{ &a.plan_text }</pre>
            </div>
        },
    }
}

fn rows(a: &Answer, page: usize, set_page: UseStateSetter<usize>) -> Html {
    if let Some(n) = a.affected {
        return html! { <p class="affected" role="status">{ if a.explained { format!("Explained: {n} row(s) would change (nothing was written).") } else { format!("{n} row(s) changed.") } }</p> };
    }
    if a.explained {
        return html! {};
    }
    let pages = a.rows.len().div_ceil(PAGE_ROWS).max(1);
    let page = page.min(pages - 1);
    let first = page * PAGE_ROWS;
    let shown = &a.rows[first.min(a.rows.len())..(first + PAGE_ROWS).min(a.rows.len())];
    let cut = if a.total_rows > a.rows.len() {
        format!(" (the console keeps the first {})", a.rows.len())
    } else {
        String::new()
    };
    html! {
        <>
            <div class="result-scroll">
                <table class="result">
                    <thead><tr>{ for a.columns.iter().map(|c| html! { <th scope="col">{ c }</th> }) }</tr></thead>
                    <tbody>
                        { for shown.iter().map(|r| html! { <tr>{ for r.iter().map(|v| html! { <td>{ v }</td> }) }</tr> }) }
                    </tbody>
                </table>
            </div>
            <div class="row pager">
                <span role="status">{ if a.total_rows == 0 { "No rows.".to_string() } else { format!("Rows {}–{} of {}{cut}", first + 1, first + shown.len(), a.total_rows) } }</span>
                <button disabled={page == 0} onclick={let s = set_page.clone(); Callback::from(move |_: MouseEvent| s.set(page.saturating_sub(1)))}>{ "Previous" }</button>
                <button disabled={page + 1 >= pages} onclick={Callback::from(move |_: MouseEvent| set_page.set(page + 1))}>{ "Next" }</button>
            </div>
        </>
    }
}
