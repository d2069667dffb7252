// window.i18n(key, params): a text the scripts show, in the page's language. The server
// translates every such text into a data-msg-<key> attribute of #js-messages (base.html);
// "{name}" in a text is filled from params. An unknown key shows as itself (a test checks
// that every key the scripts use is rendered and translated).
(function () {
  "use strict";
  const holder = document.getElementById("js-messages");
  window.i18n = function (key, params) {
    let text = holder ? holder.getAttribute("data-msg-" + key) : null;
    if (text === null) text = key;
    for (const [name, value] of Object.entries(params || {})) {
      text = text.split("{" + name + "}").join(String(value));
    }
    return text;
  };
})();
