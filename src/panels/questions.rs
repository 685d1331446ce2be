//! Predict, then run: a step may ask a question before its run starts, multiple choice or a
//! number, and the run answers it with its own figures once it has run long enough. Answers
//! are kept in this browser only (localStorage), never sent anywhere, and can be forgotten.

use std::collections::BTreeMap;

use sim::metrics::{Counters, SecondSample};
use yew::prelude::*;

/// A question a step asks before it runs.
pub struct Question {
    pub prompt: &'static str,
    pub kind: Kind,
    /// what the run measures to answer it
    pub measure: Measure,
    /// the simulated second at which the run's answer is read
    pub at_s: u64,
}

#[derive(Clone, Copy)]
pub enum Kind {
    /// options, each covering the measured values below its bound (and at or above the bound
    /// of the option before it)
    Choice(&'static [(&'static str, f64)]),
    /// a number, in this unit
    Number { unit: &'static str },
}

/// A figure of the run.
#[derive(Clone, Copy, Debug)]
pub enum Measure {
    /// requests refused (503) as a percentage of those that arrived, so far
    RefusedPercent,
    /// requests answered per second, on average over these whole seconds
    MeanThroughput { from_s: u64, to_s: u64 },
    /// requests that found no session where they landed, so far
    SessionsLost,
}

/// What the run has shown so far: its totals and its seconds (the charts' last 60).
pub struct RunFigures<'a> {
    pub now_s: f64,
    pub counters: &'a Counters,
    pub series: &'a [SecondSample],
}

/// A student's guess.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Guess {
    Choice(usize),
    Number(f64),
}

/// Each answered step's guess, by `lesson-key/step`.
pub type Answers = BTreeMap<String, Guess>;

/// The steps that ask, by lesson key and step.
const QUESTIONS: &[(&str, usize, Question)] = &[
    (
        "scaling",
        0,
        Question {
            prompt: "300 requests arrive each second, and one big server takes them all at about 75% load. \
                     How many requests per second will it answer, on average, from 5 s to 15 s?",
            kind: Kind::Number { unit: "requests/s" },
            measure: Measure::MeanThroughput { from_s: 5, to_s: 15 },
            at_s: 15,
        },
    ),
    (
        "first-look",
        1,
        Question {
            prompt: "Now more arrives each second than four servers can finish. After 30 s, what share of \
                     the requests that arrived will have been refused (503)?",
            kind: Kind::Choice(&[
                ("none", 1.0),
                ("under 10%", 10.0),
                ("10% to 30%", 30.0),
                ("over 30%", f64::INFINITY),
            ]),
            measure: Measure::RefusedPercent,
            at_s: 30,
        },
    ),
    (
        "sessions",
        1,
        Question {
            prompt: "Each user sticks to one server, which keeps their session. Server 2 crashes at 20 s. By \
                     30 s, will any request have found no session where it landed?",
            kind: Kind::Choice(&[
                ("no: the others take over", 0.5),
                ("yes: its users lose their sessions", f64::INFINITY),
            ]),
            measure: Measure::SessionsLost,
            at_s: 30,
        },
    ),
    (
        "sessions",
        2,
        Question {
            prompt: "Now the sessions live in a shared store, and server 2 crashes at 20 s again. By 30 s, \
                     will any request have found no session where it landed?",
            kind: Kind::Choice(&[
                ("no: the others take over", 0.5),
                ("yes: its users lose their sessions", f64::INFINITY),
            ]),
            measure: Measure::SessionsLost,
            at_s: 30,
        },
    ),
];

/// The question a step asks (the lesson by its key), if it asks one.
pub fn question(lesson: &str, step: usize) -> Option<&'static Question> {
    QUESTIONS.iter().find(|(l, s, _)| *l == lesson && *s == step).map(|(_, _, q)| q)
}

/// Every question, with its lesson's key and its step.
pub fn all() -> impl Iterator<Item = (&'static str, usize, &'static Question)> {
    QUESTIONS.iter().map(|(lesson, step, q)| (*lesson, *step, q))
}

/// How many steps ask a question, in all the lessons.
pub fn question_count() -> usize {
    QUESTIONS.len()
}

/// Where a step's guess is kept (the lesson by its key).
pub fn answer_key(lesson: &str, step: usize) -> String {
    format!("{lesson}/{step}")
}

impl Question {
    /// The run's answer: the measured figure, once the run has reached `at_s`.
    pub fn measured(&self, run: &RunFigures<'_>) -> Option<f64> {
        if run.now_s < self.at_s as f64 {
            return None;
        }
        Some(match self.measure {
            Measure::RefusedPercent => 100.0 * run.counters.rejected as f64 / run.counters.arrived.max(1) as f64,
            Measure::MeanThroughput { from_s, to_s } => {
                let seconds: Vec<u64> =
                    run.series.iter().filter(|s| s.second >= from_s && s.second < to_s).map(|s| s.throughput).collect();
                if seconds.is_empty() {
                    return None;
                }
                seconds.iter().sum::<u64>() as f64 / seconds.len() as f64
            }
            Measure::SessionsLost => run.counters.sessions_lost as f64,
        })
    }

    /// The run's answer in the question's own terms: the option its figure falls in, or the
    /// figure.
    pub fn answer(&self, measured: f64) -> Guess {
        match self.kind {
            Kind::Choice(options) => {
                Guess::Choice(options.iter().position(|(_, bound)| measured < *bound).unwrap_or(options.len() - 1))
            }
            Kind::Number { .. } => Guess::Number(measured),
        }
    }

    /// A guess in words.
    pub fn say(&self, guess: Guess) -> String {
        match (self.kind, guess) {
            (Kind::Choice(options), Guess::Choice(i)) => options.get(i).map_or("?", |(text, _)| text).to_string(),
            (Kind::Number { unit }, Guess::Number(n)) => format!("{} {unit}", sim::validate::fmt_number(round(n))),
            _ => "?".to_string(),
        }
    }

    /// The guess agrees with the run: the same option, or a number within 10% of it.
    pub fn agrees(&self, guess: Guess, measured: f64) -> bool {
        match (self.answer(measured), guess) {
            (Guess::Choice(a), Guess::Choice(g)) => a == g,
            (Guess::Number(m), Guess::Number(g)) => (g - m).abs() <= 0.1 * m.abs(),
            _ => false,
        }
    }
}

impl Measure {
    /// A measured figure in words.
    pub fn describe(self, figure: f64) -> String {
        let n = sim::validate::fmt_number(round(figure));
        match self {
            Measure::RefusedPercent => format!("{n}% refused"),
            Measure::MeanThroughput { .. } => format!("{n} requests/s"),
            Measure::SessionsLost => format!("{n} requests found no session"),
        }
    }
}

fn round(n: f64) -> f64 {
    (n * 10.0).round() / 10.0
}

/// Answers as kept in storage: `key=c2` (the third option) or `key=n300` (a number), one per line.
pub fn write_answers(answers: &Answers) -> String {
    answers
        .iter()
        .map(|(key, guess)| match guess {
            Guess::Choice(i) => format!("{key}=c{i}"),
            Guess::Number(n) => format!("{key}=n{n}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads what [`write_answers`] wrote; a line it cannot read is left out.
pub fn read_answers(text: &str) -> Answers {
    text.lines()
        .filter_map(|line| {
            let (key, value) = line.split_once('=')?;
            let guess = match value.split_at_checked(1)? {
                ("c", i) => Guess::Choice(i.parse().ok()?),
                ("n", n) => Guess::Number(n.parse::<f64>().ok().filter(|n| n.is_finite())?),
                _ => return None,
            };
            Some((key.to_string(), guess))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn second(second: u64, throughput: u64) -> SecondSample {
        SecondSample {
            second,
            arrived: throughput,
            throughput,
            errors: 0,
            p50_ms: 0.0,
            p95_ms: 0.0,
            p99_ms: 0.0,
            utilisation: 0.0,
            servers: 4,
            ready_servers: 4,
            cost_dollars: 0.0,
        }
    }

    #[test]
    fn the_run_answers_once_it_reaches_the_moment_and_in_the_questions_terms() {
        let refused = question("first-look", 1).unwrap();
        let counters = Counters { arrived: 14_361, rejected: 2_331, ..Counters::default() };
        let early = RunFigures { now_s: 29.9, counters: &counters, series: &[] };
        assert_eq!(refused.measured(&early), None, "not before 30 s");
        let run = RunFigures { now_s: 30.0, ..early };
        let measured = refused.measured(&run).unwrap();
        assert!((measured - 16.23).abs() < 0.01, "{measured}");
        assert_eq!(refused.answer(measured), Guess::Choice(2));
        assert_eq!(refused.say(Guess::Choice(2)), "10% to 30%");
        assert!(refused.agrees(Guess::Choice(2), measured) && !refused.agrees(Guess::Choice(1), measured));

        let throughput = question("scaling", 0).unwrap();
        let series: Vec<SecondSample> =
            (0..20).map(|s| second(s, if (5..15).contains(&s) { 300 + s } else { 0 })).collect();
        let run = RunFigures { now_s: 15.2, counters: &counters, series: &series };
        assert_eq!(throughput.measured(&run), Some(309.5));
        assert!(throughput.agrees(Guess::Number(290.0), 309.5) && !throughput.agrees(Guess::Number(200.0), 309.5));
        assert_eq!(throughput.say(Guess::Number(309.5)), "309.5 requests/s");
    }

    #[test]
    fn answers_round_trip_through_storage_and_bad_lines_are_left_out() {
        let answers: Answers =
            [("first-look/0".to_string(), Guess::Number(300.0)), ("sessions/1".to_string(), Guess::Choice(1))].into();
        assert_eq!(read_answers(&write_answers(&answers)), answers);
        let read = read_answers("a/1=c2\nbroken\nb/0=nNaN\nc/3=x1\nd/2=n12.5");
        assert_eq!(read.len(), 2);
        assert_eq!(read["d/2"], Guess::Number(12.5));
    }
}

#[derive(Properties, PartialEq)]
pub struct AskProps {
    /// the lesson's key
    pub lesson: &'static str,
    pub step: usize,
    /// the guess kept for this step, if any
    pub guess: Option<Guess>,
    /// the run's answer and the moment it was read [s], once the run has reached the
    /// question's moment
    pub measured: Option<(f64, f64)>,
    /// the run's clock, in whole seconds
    pub now_s: u64,
    /// the guess made
    pub on_guess: Callback<Guess>,
}

/// A step's question: a form until the student guesses, then the guess beside the run's answer.
#[function_component(Ask)]
pub fn ask(props: &AskProps) -> Html {
    let choice = use_state(|| None::<usize>);
    let number = use_state(String::new);
    let problem = use_state(|| None::<&'static str>);
    // The first reading stands: the run goes on, but the answer is what it showed then (a
    // frame may read it a little after the question's moment, and says when).
    let reading = use_state(|| None::<(f64, f64)>);
    {
        let (reading, measured) = (reading.clone(), props.measured);
        use_effect_with(props.measured.map(|(f, t)| (f.to_bits(), t.to_bits())), move |_| {
            if reading.is_none() {
                if let Some(first) = measured {
                    reading.set(Some(first));
                }
            }
        });
    }
    let Some(q) = question(props.lesson, props.step) else { return html! {} };
    let Some(guess) = props.guess else {
        let onsubmit = {
            let (choice, number, problem) = (choice.clone(), number.clone(), problem.clone());
            let on_guess = props.on_guess.clone();
            Callback::from(move |e: SubmitEvent| {
                e.prevent_default();
                let guess = match q.kind {
                    Kind::Choice(_) => choice.map(Guess::Choice).ok_or("Pick one of the answers first."),
                    Kind::Number { .. } => number
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|n| n.is_finite() && *n >= 0.0)
                        .map(Guess::Number)
                        .ok_or("Type a number, like 250."),
                };
                match guess {
                    Ok(guess) => on_guess.emit(guess),
                    Err(message) => problem.set(Some(message)),
                }
            })
        };
        let field = match q.kind {
            Kind::Choice(options) => html! {
                <div class="choices">
                    { for options.iter().enumerate().map(|(i, (text, _))| {
                        let choice = choice.clone();
                        html! {
                            <label><input type="radio" name="guess" checked={*choice == Some(i)}
                                onchange={Callback::from(move |_: Event| choice.set(Some(i)))} />{ format!(" {text}") }</label>
                        }
                    }) }
                </div>
            },
            Kind::Number { unit } => {
                let number = number.clone();
                html! {
                    <label class="number-guess">
                        <input type="text" inputmode="decimal" value={(*number).clone()} aria-label={format!("Your guess, in {unit}")}
                            oninput={Callback::from(move |e: InputEvent| number.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))} />
                        { format!(" {unit}") }
                    </label>
                }
            }
        };
        return html! {
            <form class="ask" {onsubmit}>
                <fieldset>
                    <legend>{ "Predict, then run: " }{ q.prompt }</legend>
                    { field }
                    if let Some(message) = *problem {
                        <p class="error" role="alert">{ message }</p>
                    }
                    <button type="submit" class="primary">{ "Lock in my guess and run" }</button>
                </fieldset>
            </form>
        };
    };
    html! {
        <div class="ask" role="status">
            <p>{ "Your guess: " }<strong>{ q.say(guess) }</strong>{ "." }</p>
            { match *reading {
                None => html! { <p class="waiting">{ format!("The run answers at {} s (now {} s).", q.at_s, props.now_s) }</p> },
                Some((figure, read_at)) => {
                    let agrees = q.agrees(guess, figure);
                    html! {
                        <p class={classes!("verdict", if agrees { "agrees" } else { "differs" })}>
                            { format!("The run: {} ({} at {:.1} s). ", q.say(q.answer(figure)), q.measure.describe(figure), read_at) }
                            <strong>{ if agrees { "You called it." } else { "Not what you guessed: why?" } }</strong>
                        </p>
                    }
                }
            } }
        </div>
    }
}
