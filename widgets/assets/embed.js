/*! Suyuan trace badges - embed.js
 *
 * Put <div data-suyuan-listing="LISTING_ID"></div> or <div data-suyuan-code="CODE"></div> on a
 * page, optionally with data-suyuan-size="s|m|l", and load this script from the Suyuan service:
 * each placeholder becomes a link to the trace page holding the badge image.
 *
 * No dependencies, no eval, no markup strings (DOM calls only), no inline styles: it runs under a strict
 * Content-Security-Policy that allows this script's origin (script-src) and its images (img-src).
 * Running it twice is harmless; placeholders added later are handled too. ASCII only, so it
 * works on pages in any charset.
 */
(function (window, document) {
  "use strict";

  if (!document || !document.documentElement || window.SuyuanEmbed) {
    return;
  }

  var SIZES = { s: [360, 132], m: [480, 176], l: [720, 264] };
  var SIZE_NAMES = { s: "s", small: "s", m: "m", medium: "m", l: "l", large: "l" };
  // Chinese: "Suyuan trace badge" (suyuan zhuisu biaoshi)
  var ALT = "\u6eaf\u6e90\u8ffd\u6eaf\u6807\u8bc6 Suyuan trace badge";
  // Chinese: "View the trace record" (chakan zhuisu xinxi)
  var LINK_TITLE = "\u67e5\u770b\u8ffd\u6eaf\u4fe1\u606f View the trace record";
  var LISTING = "data-suyuan-listing";
  var CODE = "data-suyuan-code";
  var SIZE = "data-suyuan-size";
  var DONE = "data-suyuan-rendered";
  var SELECTOR = "[" + LISTING + "],[" + CODE + "]";

  function ownScriptSrc() {
    var current = document.currentScript;
    if (current && current.src) {
      return current.src;
    }
    var scripts = document.getElementsByTagName("script");
    for (var i = scripts.length - 1; i >= 0; i--) {
      var src = scripts[i].src || "";
      if (/\/embed\.js(?:[?#]|$)/.test(src)) {
        return src;
      }
    }
    return "";
  }

  // The service URL: this script's URL without "/embed.js" (keeps a path prefix, if any).
  function serviceBase(src) {
    if (!src) {
      return null;
    }
    try {
      var url = new URL(src, document.baseURI);
      if (url.protocol !== "https:" && url.protocol !== "http:") {
        return null;
      }
      return url.origin + url.pathname.replace(/\/[^\/]*$/, "");
    } catch (e) {
      return null;
    }
  }

  var base = serviceBase(ownScriptSrc());
  if (!base) {
    return;
  }

  function trimmed(value) {
    return value ? String(value).replace(/^\s+|\s+$/g, "") : "";
  }

  // RFC 3986 strict: also encode !'()* so the URL matches the server's own links exactly.
  function percent(c) {
    return "%" + c.charCodeAt(0).toString(16).toUpperCase();
  }

  function describe(el) {
    var kind = "listing";
    var id = trimmed(el.getAttribute(LISTING));
    if (!id) {
      kind = "code";
      id = trimmed(el.getAttribute(CODE));
    }
    if (!id || id === "." || id === ".." || id.length > 256) {
      return null;
    }
    var size = SIZE_NAMES[trimmed(el.getAttribute(SIZE)).toLowerCase()] || "m";
    return { kind: kind, id: id, size: size, key: kind + ":" + size + ":" + id };
  }

  function render(el) {
    var d = describe(el);
    if (!d || el.getAttribute(DONE) === d.key) {
      return;
    }
    var segment = encodeURIComponent(d.id).replace(/[!'()*]/g, percent);
    var link = document.createElement("a");
    link.setAttribute("href", base + (d.kind === "listing" ? "/l/" : "/t/") + segment);
    link.setAttribute("target", "_blank");
    link.setAttribute("rel", "noopener");
    link.setAttribute("title", LINK_TITLE);
    var img = document.createElement("img");
    img.setAttribute(
      "src",
      base + "/badge/" + d.kind + "/" + segment + ".svg" + (d.size === "m" ? "" : "?size=" + d.size)
    );
    img.setAttribute("alt", ALT);
    img.setAttribute("width", String(SIZES[d.size][0]));
    img.setAttribute("height", String(SIZES[d.size][1]));
    img.setAttribute("loading", "lazy");
    img.setAttribute("decoding", "async");
    link.appendChild(img);
    while (el.firstChild) {
      el.removeChild(el.firstChild);
    }
    el.appendChild(link);
    el.setAttribute(DONE, d.key);
  }

  function scan(root) {
    if (!root) {
      return;
    }
    if (root.nodeType === 1 && root.matches && root.matches(SELECTOR)) {
      render(root);
    }
    if (root.querySelectorAll) {
      var found = root.querySelectorAll(SELECTOR);
      for (var i = 0; i < found.length; i++) {
        render(found[i]);
      }
    }
  }

  window.SuyuanEmbed = {
    version: 1,
    // Renders placeholders under `root` (default: the whole document) now.
    scan: function (root) {
      scan(root || document);
    }
  };

  if (typeof MutationObserver === "function") {
    new MutationObserver(function (records) {
      for (var i = 0; i < records.length; i++) {
        var record = records[i];
        if (record.type === "attributes") {
          scan(record.target);
        } else {
          for (var j = 0; j < record.addedNodes.length; j++) {
            scan(record.addedNodes[j]);
          }
        }
      }
    }).observe(document.documentElement, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: [LISTING, CODE, SIZE]
    });
  }

  scan(document);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      scan(document);
    });
  }
})(window, document);
