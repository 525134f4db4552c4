/*
 * Mahalleh front-end glue. Plain ES2017, no build step, nothing from a CDN.
 *
 * Load (all via {% static %}) before this file, or with `defer` in this order:
 *   vendor/leaflet/leaflet.js                      (pages with maps)
 *   vendor/jalalidatepicker/jalalidatepicker.min.js (pages with date inputs)
 *   vendor/htmx/htmx.min.js                         (optional)
 *   mahalleh/app.js
 * A library missing on a page just switches the matching part off.
 *
 * Leaflet image path (only used by marker icons, i.e. Point features):
 *   1. <body data-leaflet-images="{% get_static_prefix %}vendor/leaflet/images/">
 *      wins when present (use get_static_prefix: {% static %} of a folder fails
 *      under the manifest storage);
 *   2. otherwise it is derived from this script's own URL:
 *      <static>/mahalleh/app[.hash].js -> <static>/vendor/leaflet/images/.
 *   It is set explicitly because Leaflet's own guess (read back from
 *   leaflet.css) breaks once ManifestStaticFilesStorage hashes file names.
 *
 * Maps:
 *   <div class="map" data-geojson-id="area-geo"></div>
 *   {{ feature_collection|json_script:"area-geo" }}
 *   Features carry properties {name, kind: "target"|"comparison", url}.
 *   No tile layer (offices have no internet): polygons on a plain background.
 *   After drawing: data-ready="1" and data-features="<drawn feature count>"
 *   (data-ready="error" if the JSON is missing or invalid).
 *
 * Date inputs:
 *   <input type="text" name="start" data-jdp value="1402/05/03">
 *   The value is Jalali text YYYY/MM/DD parsed by the server.
 */
(function () {
  'use strict';

  const JDP_SELECTOR = 'input[data-jdp]';
  const MAP_SELECTOR = 'div.map[data-geojson-id]';
  // Shown when a collection has nothing drawable (central Tehran).
  const FALLBACK_VIEW = { center: [35.7, 51.4], zoom: 11 };

  // Must be read while the script runs, not later in an event handler.
  const SCRIPT_SRC = document.currentScript ? document.currentScript.src : '';

  function isFa() {
    return (document.documentElement.lang || '').toLowerCase().startsWith('fa');
  }

  // Persian (U+06F0..) and Arabic-Indic (U+0660..) digits -> ASCII.
  function toLatinDigits(text) {
    return String(text)
      .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06F0))
      .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660));
  }

  /* ---------------------------------------------------------------- dates --
   * @majidh1/jalalidatepicker 0.9.12 (see its README, "Options"):
   *   jalaliDatepicker.startWatch(options) starts it; it listens for focusin on
   *   <body> and opens on any element matching options.selector (default
   *   "input[data-jdp]") when autoShow is true (default) - so inputs added
   *   later by htmx are covered by the same delegated listener.
   *   persianDigits: false (default) -> Latin digits in the calendar;
   *                  true            -> Persian digits (۱۴۰۲) in the calendar.
   *   It only changes what the calendar shows: the picker always WRITES Latin
   *   digits into the input ("1402/05/03", separatorChars.date "/"), and only
   *   READS Latin digits back, so we convert a server-rendered Persian value to
   *   Latin just before the picker sees it (see onFocusIn). The server must
   *   accept Latin digits (and may also accept Persian ones).
   *   startWatch() adds its body/window listeners again on every call, so it is
   *   called once; later "re-initialisation" uses updateOptions() instead.
   */
  let jdpStarted = false;

  function datePickerOptions() {
    const fa = isFa();
    const options = {
      selector: JDP_SELECTOR,
      autoShow: true, // open on focus
      autoHide: true,
      hideAfterChange: true,
      date: true,
      time: false,
      persianDigits: fa,
      zIndex: 2000, // above Bootstrap navbars (1030) and modals (1055)
    };
    if (!fa) {
      options.months = ['Farvardin', 'Ordibehesht', 'Khordad', 'Tir', 'Mordad', 'Shahrivar',
        'Mehr', 'Aban', 'Azar', 'Dey', 'Bahman', 'Esfand'];
      options.days = ['Sa', 'Su', 'Mo', 'Tu', 'We', 'Th', 'Fr'];
    }
    return options;
  }

  function prepareDateInputs(root) {
    (root || document).querySelectorAll(JDP_SELECTOR).forEach((input) => {
      // The browser's own autocomplete list would cover the calendar.
      if (!input.hasAttribute('autocomplete')) input.setAttribute('autocomplete', 'off');
    });
  }

  function onFocusIn(event) {
    const input = event.target;
    if (input && input.matches && input.matches(JDP_SELECTOR)) document.body.dataset.datePicker = 'open';
    if (input && input.matches && input.matches(JDP_SELECTOR) && input.value) {
      const latin = toLatinDigits(input.value);
      if (latin !== input.value) {
        // Tab selected the whole date, so typing replaces it: setting the value would drop that
        // selection, and the typed date would be added to the old one.
        const whole = input.selectionStart === 0 && input.selectionEnd === input.value.length;
        input.value = latin;
        if (whole) input.select();
      }
    }
  }

  function inPicker(el) {
    return Boolean(el && el.closest && (el.matches(JDP_SELECTOR) || el.closest('jdp-container')));
  }

  /* The picker's show() ends with a setTimeout(300 ms) that makes the container visible again, so
   * a hide() within those 300 ms (type a date and Tab away quickly, pick a day quickly, or a busy
   * machine that runs timers late) was undone and the calendar stayed open over the form (issue
   * 8.17). A timer set after theirs with a longer delay runs after it: hide once more then, unless
   * keepOpen(the focused element) says the calendar is in use again. When that is done,
   * <body data-date-picker="closed"> says so (browser tests wait for it). A later call replaces
   * an earlier one, and a press of the mouse cancels it (capture phase, below): a click that opens
   * the calendar again must not be undone, and a click outside calls closePicker anew. */
  let hideToken = 0;
  function hideAfterShowTimer(keepOpen) {
    const token = (hideToken += 1);
    setTimeout(() => {
      if (token !== hideToken || !window.jalaliDatepicker) return;
      if (keepOpen(document.activeElement)) return;
      window.jalaliDatepicker.hide();
      document.body.dataset.datePicker = 'closed';
    }, 350);
  }

  /* Close the calendar, and keep it closed unless the focus is back in a date box or the calendar. */
  function closePicker() {
    const jdp = window.jalaliDatepicker;
    if (!jdp) return;
    jdp.hide();
    hideAfterShowTimer(inPicker);
  }

  /* After Escape in a date box or a day picked in it: keep the calendar closed unless the focus
   * moved on to another date box (whose calendar is open). */
  function keepOpenElsewhere(field) {
    return (active) => active !== field && inPicker(active);
  }

  /* The picker draws its year and month as <select>s with no name (axe "select-name": a screen
   * reader says only "combo box"), and its buttons in Persian only. Name them, and word the buttons
   * in the page's language, each time it draws: it builds its <jdp-container>
   * under <body> on first use and redraws the inside on every change of month or year. */
  function nameCalendarLists(container) {
    const fa = isFa();
    const names = [
      ['.jdp-year select, .jdp-year input', fa ? 'سال' : 'Year'],
      ['.jdp-month select, .jdp-month input', fa ? 'ماه' : 'Month'],
    ];
    names.forEach(([selector, name]) => container.querySelectorAll(selector).forEach((list) => {
      if (list.getAttribute('aria-label') !== name) list.setAttribute('aria-label', name);
    }));
    // Its buttons are written in Persian whatever the page's language: say them in English there.
    if (fa) return;
    [['.jdp-btn-today', 'Today'], ['.jdp-btn-empty', 'Clear'], ['.jdp-btn-close', 'Close']]
      .forEach(([selector, text]) => container.querySelectorAll(selector).forEach((button) => {
        if (button.textContent !== text) button.textContent = text;
      }));
  }

  function watchCalendar() {
    let watched = null;
    const look = () => {
      const container = document.querySelector('jdp-container');
      if (!container || container === watched) return;
      watched = container;
      nameCalendarLists(container);
      new MutationObserver(() => nameCalendarLists(container))
        .observe(container, { childList: true, subtree: true });
    };
    new MutationObserver(look).observe(document.body, { childList: true });
    look();
  }

  function initDatePickers() {
    prepareDateInputs(document);
    const jdp = window.jalaliDatepicker;
    if (!jdp) return;
    if (!jdpStarted) {
      // Capture phase on document runs before the picker's listener on body.
      document.addEventListener('focusin', onFocusIn, true);
      // The picker closes only on a click outside; keyboard users tab away, so
      // close it when focus moves to anything that is not a date input or the calendar.
      document.addEventListener('focusin', (event) => {
        if (!inPicker(event.target)) closePicker();
      });
      // The picker ignores clicks outside while it opens: a click on the page closes it here too.
      document.addEventListener('mousedown', (event) => {
        if (!inPicker(event.target)) closePicker();
      });
      // Escape closes the calendar and leaves the typed text (the date can always be typed:
      // the calendar is a help for mouse and touch users, not the only way in).
      document.addEventListener('keydown', (event) => {
        if (event.key !== 'Escape' || !(event.target.matches && event.target.matches(JDP_SELECTOR))) return;
        if (!window.jalaliDatepicker) return;
        window.jalaliDatepicker.hide();
        hideAfterShowTimer(keepOpenElsewhere(event.target));
      });
      // A day picked: the picker writes the date, sends "change" and hides the calendar itself,
      // while the 300 ms timer of its show() may still be pending.
      document.addEventListener('change', (event) => {
        if (event.target.matches && event.target.matches(JDP_SELECTOR)) {
          hideAfterShowTimer(keepOpenElsewhere(event.target));
        }
      });
      // Capture phase: before the listener above that closes the picker on a click outside.
      document.addEventListener('mousedown', () => { hideToken += 1; }, true);
      jdp.startWatch(datePickerOptions());
      watchCalendar();
      jdpStarted = true;
      return;
    }
    jdp.updateOptions(datePickerOptions());
    // Close a calendar whose input was swapped out, keep one in use.
    if (!inPicker(document.activeElement)) closePicker();
  }

  /* ----------------------------------------------------------------- maps -- */
  const STYLES = {
    target: { color: '#0d6efd', weight: 2, opacity: 1, fillColor: '#0d6efd', fillOpacity: 0.35 },
    comparison: {
      color: '#fd7e14', weight: 2, opacity: 1, dashArray: '6 4', fillColor: '#fd7e14', fillOpacity: 0.08,
    },
    other: { color: '#6c757d', weight: 1, opacity: 1, fillColor: '#6c757d', fillOpacity: 0.15 },
  };

  function kindOf(feature) {
    const kind = feature && feature.properties ? feature.properties.kind : null;
    return Object.prototype.hasOwnProperty.call(STYLES, kind) ? kind : 'other';
  }

  // Only follow http(s) or relative links from feature properties.
  function safeUrl(url) {
    if (!url) return null;
    try {
      const parsed = new URL(String(url), window.location.href);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function leafletImagePath() {
    const fromBody = document.body && document.body.dataset.leafletImages;
    if (fromBody) return fromBody.endsWith('/') ? fromBody : fromBody + '/';
    if (SCRIPT_SRC) {
      try {
        return new URL('../vendor/leaflet/images/', SCRIPT_SRC).href;
      } catch (e) { /* fall through */ }
    }
    return null;
  }

  function onEachFeature(feature, layer) {
    const props = feature.properties || {};
    if (props.name) {
      const tip = document.createElement('span'); // textContent: names are not HTML
      tip.textContent = String(props.name);
      layer.bindTooltip(tip, { sticky: true, direction: 'top' });
    }
    const url = safeUrl(props.url);
    if (url) {
      layer.on('click', () => { window.location.href = url; });
    }
    layer.on('mouseover', () => { if (layer.setStyle) layer.setStyle({ weight: 3 }); });
    layer.on('mouseout', () => { if (layer.setStyle) layer.setStyle({ weight: STYLES[kindOf(feature)].weight }); });
  }

  function fit(map, layer) {
    const bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [12, 12] });
    } else {
      map.setView(FALLBACK_VIEW.center, FALLBACK_VIEW.zoom);
    }
  }

  function drawMap(el) {
    const L = window.L;
    const source = document.getElementById(el.dataset.geojsonId);
    let data;
    try {
      if (!source) throw new Error('no element #' + el.dataset.geojsonId);
      data = JSON.parse(source.textContent);
    } catch (e) {
      el.dataset.ready = 'error';
      console.error('mahalleh map:', e);
      return;
    }

    const map = L.map(el, { attributionControl: false });
    const layer = L.geoJSON(data, {
      style: (feature) => STYLES[kindOf(feature)],
      onEachFeature: onEachFeature,
    }).addTo(map);
    fit(map, layer); // sets the view, which actually puts the layers on the map
    // Keep the study area above the comparison areas.
    layer.eachLayer((child) => {
      if (kindOf(child.feature) === 'target' && child.bringToFront) child.bringToFront();
    });

    el._mahalleh = { map: map, layer: layer };
    el.dataset.features = String(layer.getLayers().length);
    el.dataset.ready = '1';
  }

  function drawMaps(root) {
    if (!window.L) return;
    const imagePath = leafletImagePath();
    if (imagePath) window.L.Icon.Default.imagePath = imagePath;
    (root || document).querySelectorAll(MAP_SELECTOR).forEach((el) => {
      if (el.dataset.ready || el._leaflet_id) return; // already drawn
      drawMap(el);
    });
  }

  // A map drawn while hidden (tab, collapse, modal) has a zero size: redo it.
  function refreshMapsIn(container) {
    if (!container || !container.querySelectorAll) return;
    container.querySelectorAll(MAP_SELECTOR).forEach((el) => {
      if (!el._mahalleh) return;
      el._mahalleh.map.invalidateSize();
      fit(el._mahalleh.map, el._mahalleh.layer);
    });
  }

  /* -------------------------------------------------------- accessibility -- */
  // A table box that scrolls sideways (phones, 200-400 % zoom) must be reachable by keyboard to be
  // scrolled with the arrow keys (WCAG 2.1.1): focusable, named by its table's caption or heading.
  function markScrollRegions(root) {
    (root || document).querySelectorAll('.table-responsive').forEach((box) => {
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute('tabindex')) {
        box.setAttribute('tabindex', '0');
        box.setAttribute('role', 'region');
        if (!box.hasAttribute('aria-label') && !box.hasAttribute('aria-labelledby')) {
          const caption = box.querySelector('caption');
          const heading = caption ? null : box.previousElementSibling;
          const text = (caption || (heading && /^H[1-6]$/.test(heading.tagName) ? heading : null) || {}).textContent;
          box.setAttribute('aria-label', (text || document.title).trim());
        }
        box.dataset.scrollRegion = '1';
      } else if (!scrolls && box.dataset.scrollRegion) {
        box.removeAttribute('tabindex');
        box.removeAttribute('role');
        delete box.dataset.scrollRegion;
      }
    });
  }

  /* The phone menu (the navbar's collapse) closes with Escape, as the dropdowns do, and gives the
   * focus back to its toggle button, so a keyboard user is not left in a menu they cannot see
   * closing. A dropdown open inside it (the bell) closes first, by Bootstrap's own Escape; the
   * next Escape closes the menu. On window in the capture phase: the state is read before
   * Bootstrap's handler changes it (its delegated handlers listen on document, capturing; and it
   * marks every Escape on a dropdown button defaultPrevented, open or not). On a wide screen the
   * menu is not collapsible: nothing to do. */
  window.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !window.bootstrap) return;
    const menu = document.querySelector('.navbar-collapse.show');
    if (!menu || menu.querySelector('.dropdown-menu.show')) return;
    const toggler = document.querySelector('[data-bs-toggle="collapse"][data-bs-target="#' + menu.id + '"]');
    if (!toggler || !toggler.offsetParent) return;
    const active = document.activeElement;
    if (active !== toggler && !menu.contains(active) && active !== document.body) return;
    window.bootstrap.Collapse.getOrCreateInstance(menu, { toggle: false }).hide();
    toggler.focus();
  }, true);

  /* ---------------------------------------------------------------- wiring -- */
  function init() {
    initDatePickers();
    drawMaps(document);
    applyWidths(document);
    initServiceDueDate();
    initDocumentBoxes();
    markScrollRegions(document);
  }
  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => markScrollRegions(document), 150);
  });
  // A table in a closed <details> (a chart's figures) has no width until it is opened. "toggle"
  // does not bubble: listen in the capture phase.
  document.addEventListener('toggle', (event) => markScrollRegions(event.target), true);

  ['shown.bs.tab', 'shown.bs.collapse', 'shown.bs.modal'].forEach((name) => {
    document.addEventListener(name, (event) => {
      const tabTarget = event.target.dataset && event.target.dataset.bsTarget;
      const pane = tabTarget ? document.querySelector(tabTarget) : null;
      refreshMapsIn(pane || event.target);
    });
  });

  /* ------------------------------------------------------------ behaviours --
   * The Content-Security-Policy forbids inline scripts, on* attributes and style=""; pages
   * ask for behaviour with data attributes instead:
   *   data-width="42"          the element's width is 42 % (progress bars)
   *   data-autosubmit          a change submits the element's form
   *   data-tick-all="SELECTOR" a click ticks every checkbox matching SELECTOR
   *   data-history-back        a click goes back one page (the href is the fallback)
   *   select[data-service] + input[name=due_on]  the due date follows the chosen service
   *   select[name=id_type] + [data-show-for]     only the matching document box is shown
   */
  function applyWidths(root) {
    (root || document).querySelectorAll('[data-width]').forEach((el) => {
      const value = Math.max(0, Math.min(100, parseFloat(el.dataset.width) || 0));
      el.style.width = value + '%';
    });
  }

  document.addEventListener('change', (event) => {
    const el = event.target;
    if (el && el.matches && el.matches('[data-autosubmit]') && el.form) {
      el.form.submit();
    }
  });
  document.addEventListener('click', (event) => {
    const tick = event.target.closest && event.target.closest('[data-tick-all]');
    if (tick) {
      document.querySelectorAll(tick.dataset.tickAll).forEach((c) => { c.checked = true; });
    }
    const back = event.target.closest && event.target.closest('[data-history-back]');
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  function initServiceDueDate() {
    // The due date follows the service chosen, until someone types a date of their own.
    const select = document.querySelector('select[data-service]');
    const due = document.querySelector('input[name="due_on"]');
    if (!select || !due) return;
    let auto = due.value === '' || Array.prototype.some.call(select.options, (o) => o.dataset.due === due.value);
    due.addEventListener('input', () => { auto = false; });
    select.addEventListener('change', () => {
      const option = select.options[select.selectedIndex];
      if (auto && option && option.dataset.due) { due.value = option.dataset.due; }
    });
  }

  /* The national code box only for a national code, the card number only for a card or passport.
   * Without JavaScript both stay visible and the server ignores the one that does not apply.
   * On a page of several people (the household page) each [data-person-row] has its own choice. */
  const ID_TYPE_SELECTOR = 'select[name="id_type"], select[name$="-id_type"]';
  function updateDocumentBoxes(select) {
    const scope = select.closest('[data-person-row]') || document;
    scope.querySelectorAll('[data-show-for]').forEach((box) => {
      if (scope === document && box.closest('[data-person-row]')) return;
      box.hidden = box.dataset.showFor.split(' ').indexOf(select.value) === -1;
    });
  }
  function initDocumentBoxes(root) {
    (root || document).querySelectorAll(ID_TYPE_SELECTOR).forEach(updateDocumentBoxes);
  }
  document.addEventListener('change', (event) => {
    if (event.target && event.target.matches && event.target.matches(ID_TYPE_SELECTOR)) {
      updateDocumentBoxes(event.target);
    }
  });

  /* Birth dates: an empty input[data-birth-years='{"head": 1365, "child": 1395, ...}'] opens the
   * calendar on the year plausible for the relation chosen in its row (the select whose name ends
   * in "relation"; else data-relation-default), not on today. The picker's own focusin listener
   * on <body> has drawn it when this one (on document, bubbling) runs; the picker exposes no
   * year setter, so its own year <select> is set and told (its "change" handler redraws). */
  function plausibleYear(input) {
    let years;
    try {
      years = JSON.parse(input.dataset.birthYears);
    } catch (e) {
      return null;
    }
    const row = input.closest('[data-person-row]') || input.form || document;
    const relation = row.querySelector('select[name$="relation"]');
    const key = (relation && relation.value) || input.dataset.relationDefault;
    return years[key] || years[input.dataset.relationDefault] || null;
  }
  document.addEventListener('focusin', (event) => {
    const input = event.target;
    if (!input || !input.matches || !input.matches('input[data-birth-years]') || input.value) return;
    const year = plausibleYear(input);
    const select = document.querySelector('jdp-container .jdp-year select');
    if (!year || !select) return;
    select.value = String(year);
    select.dispatchEvent(new Event('change'));
  });

  /* Rows added and removed on a page (the household's members):
   *   <div aria-live="polite" data-row-announcer data-msg-added="Member {n} was added." data-msg-removed="…">
   *   <fieldset data-person-row data-row-number="3"> … <button type="button" data-remove-row> … </fieldset>
   * "remove" drops the row (the others keep their numbers) and says so; an added row (htmx) is
   * announced and its first field gets the focus. */
  function announce(kind, number) {
    const region = document.querySelector('[data-row-announcer]');
    if (!region) return;
    const template = region.dataset[kind === 'added' ? 'msgAdded' : 'msgRemoved'] || '';
    region.textContent = template.replace('{n}', number);
  }
  document.addEventListener('click', (event) => {
    const button = event.target.closest && event.target.closest('[data-remove-row]');
    if (!button) return;
    const row = button.closest('[data-person-row]');
    if (!row) return;
    const rows = Array.prototype.slice.call(document.querySelectorAll('[data-person-row]'));
    const previous = rows[rows.indexOf(row) - 1];
    const number = row.dataset.rowNumber;
    row.remove();
    const next = document.querySelector('[data-add-row]') || (previous && previous.querySelector('input, select'));
    if (next) next.focus();
    announce('removed', number);
  });
  document.addEventListener('htmx:afterSwap', (event) => {
    const target = event.target;
    if (!target || !target.matches || !target.matches('[data-row-container]')) return;
    const rows = target.querySelectorAll('[data-person-row]');
    const row = rows[rows.length - 1];
    if (!row) return;
    initDocumentBoxes(row);
    const first = row.querySelector('select, input:not([type="hidden"])');
    if (first) first.focus();
    announce('added', row.dataset.rowNumber);
  });

  function afterSwap() {
    initDatePickers();
    drawMaps(document);
    applyWidths(document);
    markScrollRegions(document);
  }
  document.addEventListener('htmx:afterSwap', afterSwap);
  document.addEventListener('htmx:oobAfterSwap', afterSwap);
  // Free Leaflet's window listeners when htmx removes a map.
  document.addEventListener('htmx:beforeCleanupElement', (event) => {
    const el = event.target;
    if (el && el._mahalleh) {
      el._mahalleh.map.remove();
      el._mahalleh = null;
    }
  });

  window.mahalleh = { initDatePickers: initDatePickers, drawMaps: drawMaps, toLatinDigits: toLatinDigits };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
