//! The Caching lesson's lab (`sim::caching`): the path from the users' browsers through an
//! optional shared cache to the origin, its cache node and the database, drawn with each part's
//! figures; failure buttons; its charts; and the header inspector, where each recent exchange
//! shows its headers and every cache's decision with its reason.

use crate::layout::Orientation;
use crate::panels::charts::{Chart, Line};
use crate::player::LabView;
use crate::svg;
use sim::caching::{DotKind, Exchange, LabAction, LabCounters, LabSecond, Place, ServedBy};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CacheLabProps {
    pub view: LabView,
    pub orientation: Orientation,
    pub on_action: Callback<LabAction>,
}

/// One box of the path: its CSS class, title, and figure lines.
struct Part {
    class: &'static str,
    title: String,
    lines: Vec<String>,
}

fn percent(r: f64) -> String {
    format!("{:.0}%", r * 100.0)
}

/// The path's boxes, left to right (top to bottom on a phone), with what flows between them
/// in the last whole second.
fn parts(view: &LabView) -> (Vec<Part>, Vec<String>) {
    let s = &view.snapshot;
    let c = &s.counters;
    let last = view.series.last().map(|l| l.counters.clone()).unwrap_or_default();
    let mut parts = vec![Part {
        class: "users",
        title: "Users' browsers".into(),
        lines: vec![
            format!("{} requests/s", last.user_requests),
            format!("browser hits {}", percent(c.browser_hit_ratio())),
        ],
    }];
    let mut flows = vec![format!("{}/s", last.user_requests - last.browser_hits)];
    if view.shared_cache {
        parts.push(Part {
            class: "shared",
            title: "Shared cache (CDN)".into(),
            lines: vec![format!("hits {}", percent(c.shared_hit_ratio())), format!("{} URLs stored", s.shared_entries)],
        });
        flows.push(format!("{}/s", last.origin_requests));
    }
    parts.push(Part {
        class: if s.origin_up { "origin" } else { "origin down" },
        title: if s.origin_up { "Origin".into() } else { "Origin (down)".into() },
        lines: vec![format!("{} requests/s", last.origin_requests), format!("{} × 304 /s", last.not_modified)],
    });
    if view.server_cache {
        flows.push(format!("{}/s", last.server_cache_lookups));
        parts.push(Part {
            class: if s.cache_node_up { "cache-node" } else { "cache-node down" },
            title: if s.cache_node_up { "Cache node".into() } else { "Cache node (down)".into() },
            lines: vec![
                format!("hits {} (Che {})", percent(c.server_cache_hit_ratio()), percent(s.theory_hit_ratio)),
                if s.cache_node_dirty > 0 {
                    format!("{}/{} keys, {} unflushed", s.cache_node_entries, s.cache_node_capacity, s.cache_node_dirty)
                } else {
                    format!("{}/{} keys", s.cache_node_entries, s.cache_node_capacity)
                },
            ],
        });
    }
    flows.push(format!("{}/s", last.db_reads + last.db_writes));
    parts.push(Part {
        class: "database",
        title: "Database".into(),
        lines: vec![
            format!("{} reads/s, {} writes/s", last.db_reads, last.db_writes),
            format!("{} busy, {} queued", s.db_busy, s.db_queued),
        ],
    });
    (parts, flows)
}

pub fn diagram(view: &LabView, orientation: Orientation) -> Html {
    let (parts, flows) = parts(view);
    let n = parts.len() as f64;
    let (box_w, box_h) = (188.0, 92.0);
    // Boxes are `step` apart along the path; the gap between them holds the flow's label.
    let wide = orientation != Orientation::Tall;
    let step = if wide { 256.0 } else { 140.0 };
    let (width, height) = if wide { (n * step - (step - box_w) + 20.0, 130.0) } else { (260.0, n * step) };
    let place = |i: usize| if wide { (i as f64 * step + 10.0, 20.0) } else { (36.0, i as f64 * step + 10.0) };
    let edges = flows.iter().enumerate().map(|(i, flow)| {
        let (x, y) = place(i);
        let (x1, y1, x2, y2, tx, ty, anchor) = if wide {
            let mid = x + box_w + (step - box_w) / 2.0;
            (x + box_w, y + box_h / 2.0, x + step, y + box_h / 2.0, mid, y + box_h / 2.0 - 16.0, "middle")
        } else {
            (x + box_w / 2.0, y + box_h, x + box_w / 2.0, y + step, x + box_w / 2.0 + 16.0, y + box_h + 28.0, "start")
        };
        html! { <g>
            <line class="link" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} />
            <text class="flow" x={tx.to_string()} y={ty.to_string()} text-anchor={anchor}>{ flow }</text>
        </g> }
    });
    // Requests and responses on the wire: requests just before the line, responses just after it.
    let index_of = |p: Place| match p {
        Place::Browsers => 0,
        Place::SharedCache => 1,
        Place::Origin => 1 + usize::from(view.shared_cache),
    };
    let (along, across) = if wide { (box_w, box_h) } else { (box_h, box_w) };
    let dots = view.snapshot.dots.iter().map(|d| {
        let (a, b) = (index_of(d.from), index_of(d.to));
        let start = |i: usize| if wide { place(i).0 } else { place(i).1 };
        let (from, to) = if a < b { (start(a) + along, start(b)) } else { (start(a), start(b) + along) };
        let at = from + (to - from) * d.progress;
        let side = if d.kind == DotKind::Request { -7.0 } else { 7.0 };
        let middle = if wide { place(0).1 + across / 2.0 } else { place(0).0 + across / 2.0 };
        let (cx, cy) = if wide { (at, middle + side) } else { (middle + side, at) };
        let class = match d.kind {
            DotKind::Request => "request",
            DotKind::Response => "response",
            DotKind::NotModified => "not-modified",
            DotKind::Error => "error",
        };
        html! { <circle class={classes!("lab-dot", class)} cx={svg::number(cx)} cy={svg::number(cy)} r="4" /> }
    });
    let boxes = parts.iter().enumerate().map(|(i, part)| {
        let (x, y) = place(i);
        html! {
            <g class={classes!("node", "lab-node", part.class)} transform={format!("translate({x},{y})")}>
                <rect width={box_w.to_string()} height={box_h.to_string()} rx="8" />
                <text class="title" x="10" y="24">{ &part.title }</text>
                { for part.lines.iter().enumerate().map(|(j, line)| html! {
                    <text class="figure" x="10" y={(48 + 20 * j).to_string()}>{ line }</text>
                }) }
            </g>
        }
    });
    // The narrowest the drawing may be drawn with its 13 px text at 11 px or more: an embed's
    // frame scrolls rather than shrink it further (style.css).
    let legible = format!("--legible-width: {:.0}px", width * 11.0 / 13.0);
    html! {
        <svg class={classes!("diagram", "lab-diagram", (!wide).then_some("tall"))} viewBox={format!("0 0 {width} {height}")} role="img" style={legible}
            aria-label="The caching path: browsers, shared cache, origin, cache node, database">
            { for edges }
            { for dots }
            { for boxes }
        </svg>
    }
}

/// The failure buttons: what can break, and what it teaches.
fn failures(view: &LabView, on_action: &Callback<LabAction>) -> Html {
    let button = |action: LabAction, text: &'static str| {
        let cb = on_action.clone();
        html! { <button class="small" data-action={text} onclick={Callback::from(move |_: MouseEvent| cb.emit(action))}>{ text }</button> }
    };
    let s = &view.snapshot;
    html! {
        <div class="lab-failures" aria-label="Inject a failure">
            if view.server_cache {
                if s.cache_node_up {
                    { button(LabAction::CrashCacheNode, "Crash the cache node") }
                } else {
                    { button(LabAction::RecoverCacheNode, "Recover the cache node") }
                }
                { button(LabAction::FlushCacheNode, "Flush the cache node") }
            }
            if s.origin_up {
                { button(LabAction::OriginDown, "Take the origin down") }
            } else {
                { button(LabAction::OriginUp, "Bring the origin back") }
            }
        </div>
    }
}

type Metric = (&'static str, &'static str, fn(&LabCounters) -> f64);

fn lines(series: &[LabSecond], metrics: &[Metric]) -> Vec<Line> {
    metrics
        .iter()
        .map(|&(label, class, value)| Line {
            label: label.into(),
            class: class.into(),
            values: series.iter().map(|s| value(&s.counters)).collect(),
        })
        .collect()
}

fn charts(view: &LabView) -> Html {
    let s = &view.series;
    let seconds: Vec<u64> = s.iter().map(|p| p.second).collect();
    let mut hit_ratios: Vec<Metric> = vec![("browser", "throughput", |c| 100.0 * c.browser_hit_ratio())];
    if view.shared_cache {
        hit_ratios.push(("shared", "arrived", |c| 100.0 * c.shared_hit_ratio()));
    }
    if view.server_cache {
        hit_ratios.push(("cache node", "p95", |c| 100.0 * c.server_cache_hit_ratio()));
    }
    let load: &[Metric] = &[
        ("origin requests", "arrived", |c| c.origin_requests as f64),
        ("304s", "throughput", |c| c.not_modified as f64),
        ("database reads", "p95", |c| c.db_reads as f64),
        ("duplicate reads", "p99", |c| c.duplicate_db_reads as f64),
    ];
    let harm: &[Metric] = &[
        ("stale seen", "p95", |c| c.stale_seen as f64),
        ("stale cache reads", "p50", |c| c.stale_server_reads as f64),
        ("lost writes", "errors", |c| c.lost_writes as f64),
        ("another user's page", "cost", |c| c.wrong_user_pages as f64),
    ];
    let latency = vec![
        Line { label: "p50".into(), class: "p50".into(), values: s.iter().map(|p| p.p50_ms).collect() },
        Line { label: "p95".into(), class: "p95".into(), values: s.iter().map(|p| p.p95_ms).collect() },
    ];
    html! {
        <div class="charts">
            <Chart title="Hit ratio" unit="%" seconds={seconds.clone()} lines={lines(s, &hit_ratios)} />
            <Chart title="What users wait" unit="ms" seconds={seconds.clone()} lines={latency} />
            <Chart title="Origin and database" unit="per second" seconds={seconds.clone()} lines={lines(s, load)} />
            <Chart title="Stale, lost, leaked" unit="per second" seconds={seconds} lines={lines(s, harm)} />
        </div>
    }
}

fn headers(list: &[(String, String)]) -> Html {
    html! { <>{ for list.iter().map(|(name, value)| html! { <div class="header"><b>{ name }{ ": " }</b>{ value }</div> }) }</> }
}

fn exchange_detail(e: &Exchange) -> Html {
    let status = match e.status {
        200 => "200 OK",
        304 => "304 Not Modified",
        504 => "504 Gateway Timeout",
        _ => "",
    };
    html! {
        <div class="exchange-detail">
            <h4>{ "Request" }</h4>
            <div class="header"><b>{ &e.request_line }</b>{ " HTTP/1.1" }</div>
            if e.served_by == ServedBy::BrowserCache {
                <p class="note">{ "Not sent: the browser answered from its own cache." }</p>
            } else if e.request_headers.is_empty() {
                <p class="note">{ "No conditional or Authorization headers." }</p>
            } else {
                { headers(&e.request_headers) }
            }
            <h4>{ "What each cache decided" }</h4>
            <ol class="steps">{ for e.steps.iter().map(|s| html! { <li>{ s }</li> }) }</ol>
            <h4>{ format!("Response the user got ({}, from the {})", status, e.served_by.label()) }</h4>
            { headers(&e.response_headers) }
            <p class={classes!("outcome", e.stale.then_some("stale"), (e.wrong_user || e.status >= 500).then_some("failed"))}>{ &e.outcome }</p>
        </div>
    }
}

#[function_component(CacheLab)]
pub fn cache_lab(props: &CacheLabProps) -> Html {
    // The exchange opened in the inspector, by when it happened (the list moves on underneath).
    let opened = use_state(|| None::<u64>);
    // Pausing keeps the list still; while playing it moves on, so the opened one is kept apart.
    let kept = use_state(|| None::<Exchange>);
    let view = &props.view;
    let key = |e: &Exchange| (e.at_s * 1e6) as u64;
    let rows = view.exchanges.iter().map(|e| {
        let k = key(e);
        let onclick = {
            let (opened, kept, e) = (opened.clone(), kept.clone(), e.clone());
            Callback::from(move |_: MouseEvent| {
                let open = *opened != Some(k);
                opened.set(open.then_some(k));
                kept.set(open.then(|| e.clone()));
            })
        };
        let class = classes!(
            "exchange",
            e.stale.then_some("stale"),
            (e.wrong_user || e.status >= 500).then_some("failed"),
            (*opened == Some(k)).then_some("open")
        );
        html! {
            <li>
                <button {class} {onclick} aria-expanded={(*opened == Some(k)).to_string()}>
                    <span class="when">{ format!("{:.2} s", e.at_s) }</span>
                    <span class="what">{ format!("user {} {}", e.user, e.request_line) }</span>
                    <span class="by">{ format!("{} · {} · {:.0} ms", e.status, e.served_by.label(), e.latency_ms) }</span>
                </button>
            </li>
        }
    });
    let figures = view.snapshot.counters.figures();
    html! {
        <section class="cache-lab" aria-label="Caching lab">
            <div class="stage">
                { diagram(view, props.orientation) }
                <p class="lab-legend">
                    <span class="request">{ "● request" }</span>
                    <span class="response">{ "● response" }</span>
                    <span class="not-modified">{ "○ 304, no body" }</span>
                    <span class="error">{ "● no answer" }</span>
                    <span class="count">{ format!("{} on their way", view.snapshot.flights) }</span>
                </p>
            </div>
            { failures(view, &props.on_action) }
            <dl class="lab-figures">
                { for figures.iter().map(|(label, value)| html! { <div><dt>{ *label }</dt><dd>{ value }</dd></div> }) }
            </dl>
            { charts(view) }
            <div class="inspector-list">
                <h2>{ "Header inspector" }</h2>
                <p class="note">{ "The latest requests, newest first. Click one to see its headers and why each cache did what it did. Pause to read at leisure." }</p>
                <ul class="exchanges">{ for rows }</ul>
                if let Some(e) = &*kept {
                    { exchange_detail(e) }
                }
            </div>
        </section>
    }
}
