//! The gallery: the curriculum in the order it is taught, each lesson with its one-line promise
//! and a small live thumbnail of its first step, and the sandbox. Choosing one opens it in place
//! of the gallery.

use crate::diagram::Diagram;
use crate::layout::Orientation;
use crate::panels::cache_lab;
use crate::panels::lesson::LESSONS;
use crate::player::Thumbnail;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct GalleryProps {
    /// one per lesson, in order (none until the player has built them)
    pub thumbnails: Option<Rc<Vec<Option<Thumbnail>>>>,
    /// the lesson open behind the gallery
    pub current: usize,
    pub on_start: Callback<usize>,
    pub on_sandbox: Callback<()>,
    pub on_close: Callback<()>,
}

#[function_component(Gallery)]
pub fn gallery(props: &GalleryProps) -> Html {
    let drawn = |lesson: usize| match props.thumbnails.as_ref().and_then(|t| t.get(lesson).cloned()).flatten() {
        Some(Thumbnail::Path(snapshot)) => html! { <Diagram snapshot={*snapshot} orientation={Orientation::Wide} /> },
        Some(Thumbnail::Lab(lab)) => cache_lab::diagram(&lab, Orientation::Wide),
        None => html! {},
    };
    let cards = LESSONS.iter().enumerate().map(|(i, lesson)| {
        let title_id = format!("gallery-{}", lesson.key);
        html! {
            <li class={classes!("card", (i == props.current).then_some("current"))}>
                // A picture of the lesson running: not a control, nothing in it to reach.
                <div class="thumbnail" inert=true>{ drawn(i) }</div>
                <h3 id={title_id}>{ format!("{}. {}", i + 1, lesson.title) }</h3>
                <p>{ lesson.promise }</p>
                if i == props.current {
                    <button class="primary" onclick={props.on_close.reform(|_: MouseEvent| ())}
                        aria-label={format!("Continue {}", lesson.title)}>{ "Continue" }</button>
                } else {
                    <button class="primary" onclick={props.on_start.reform(move |_: MouseEvent| i)}
                        aria-label={format!("Start {}", lesson.title)}>{ "Start" }</button>
                }
            </li>
        }
    });
    html! {
        <section class="gallery" aria-labelledby="gallery-title">
            <div class="gallery-head">
                <h2 id="gallery-title">{ "Lessons" }</h2>
                <p>{ "The scalability lecture, one lesson each, in the order it is taught. Every picture is the lesson running." }</p>
                <button onclick={props.on_close.reform(|_: MouseEvent| ())}>{ "Back to the run" }</button>
            </div>
            <ol class="cards">
                { for cards }
                <li class="card sandbox">
                    <div class="thumbnail sandbox-art" inert=true>
                        <span>{ "clients → balancer → servers → caches → databases" }</span>
                    </div>
                    <h3 id="gallery-sandbox">{ "Sandbox" }</h3>
                    <p>{ "Every knob and every component, from the default run: build your own system and break it." }</p>
                    <button class="primary" onclick={props.on_sandbox.reform(|_: MouseEvent| ())}>{ "Open the sandbox" }</button>
                </li>
            </ol>
        </section>
    }
}
