//! A small dialog that shows text to copy (a share link or an iframe snippet).

use yew::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub struct DialogContent {
    pub title: String,
    pub explanation: String,
    pub text: String,
}

#[derive(Properties, PartialEq)]
pub struct DialogProps {
    pub content: DialogContent,
    pub on_close: Callback<()>,
}

#[function_component(CopyDialog)]
pub fn copy_dialog(props: &DialogProps) -> Html {
    let c = &props.content;
    let copy = {
        let text = c.text.clone();
        Callback::from(move |_: MouseEvent| crate::share::copy_to_clipboard(&text))
    };
    html! {
        <div class="dialog" role="dialog" aria-label={c.title.clone()}>
            <h2>{ &c.title }</h2>
            <p>{ &c.explanation }</p>
            <textarea readonly=true rows="4" value={c.text.clone()} aria-label={c.title.clone()} />
            <div class="dialog-buttons">
                <button class="primary" onclick={copy}>{ "Copy" }</button>
                <button onclick={props.on_close.reform(|_: MouseEvent| ())}>{ "Close" }</button>
            </div>
        </div>
    }
}
