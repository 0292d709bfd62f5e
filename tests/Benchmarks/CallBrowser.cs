using System.Globalization;
using System.Text.Json;
using Cybernet.Testing;
using Microsoft.Playwright;

namespace Cybernet.Benchmarks;

/// <summary>
/// Call set-up as a person sees it, between two Chromium processes on loopback: the click on Call to the ring on the
/// callee's screen, and the click on Accept to the first remote video frame on each side; with where the time goes.
/// Baselines in the same run: one bare hub round trip from the caller's page (the floor of a ring through the server),
/// and a bare call inside one page (camera opened, two RTCPeerConnections signalled by direct calls, first frame shown):
/// the floor of what WebRTC itself costs on this machine.
/// </summary>
public static class CallBrowser
{
    // Before any script of ours: stamps (epoch ms, sub-millisecond) of what the call's media link does, for the breakdown.
    // Only connections made after "arm" count: the data link of the conversation exists before the call.
    private const string Probe = """
        (() => {
          const now = () => performance.timeOrigin + performance.now();
          window.bench = { armed: Infinity, marks: {} };
          const mark = (name) => { if (!(name in window.bench.marks)) window.bench.marks[name] = now(); };
          const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
          const devices = new WeakSet();
          navigator.mediaDevices.getUserMedia = async (c) => { const r = await gum(c); r.getTracks().forEach(t => devices.add(t)); if (now() > window.bench.armed) mark(c && c.audio ? 'media-open' : 'camera-open'); return r; };
          const Native = window.RTCPeerConnection;
          window.RTCPeerConnection = function (...args) {
            const pc = new Native(...args);
            if (now() > window.bench.armed) {
              mark('link-made');
              const srd = pc.setRemoteDescription.bind(pc);
              pc.setRemoteDescription = (d) => { if (d && d.type === 'offer') mark('offer-in'); if (d && d.type === 'answer') mark('answer-in'); return srd(d); };
              pc.addEventListener('connectionstatechange', () => { if (pc.connectionState === 'connected') mark('connected'); });
              pc.addEventListener('track', (e) => {
                mark('track-' + e.track.kind);
                // Unmuted: the first media packets of that kind arrived (after the answer, on a link made while it rang).
                e.track.addEventListener('unmute', () => mark('packets-' + e.track.kind));
                // For video that is the placeholder's first black frame while it rings; the camera's comes in the frame mark.
              });
              pc.addEventListener('icecandidate', (e) => { if (e.candidate) mark('first-candidate'); });
            }
            return pc;
          };
          window.RTCPeerConnection.prototype = Native.prototype;
          // The first frame of the other side's camera shown on screen (requestVideoFrameCallback), whenever its element
          // appears: a frame with something in it, not one of the black frames a link carries while it rings.
          const sample = document.createElement('canvas');
          sample.width = 16; sample.height = 12;
          const g = sample.getContext('2d', { willReadFrequently: true });
          const lit = (v) => {
            g.drawImage(v, 0, 0, 16, 12);
            const d = g.getImageData(0, 0, 16, 12).data;
            let sum = 0;
            for (let i = 0; i < d.length; i += 4) sum += d[i] + d[i + 1] + d[i + 2];
            return sum > 16 * 12 * 30;
          };
          new MutationObserver(() => {
            const v = document.getElementById('remote-video');
            if (!v || v.dataset.probed || now() < window.bench.armed) return;
            v.dataset.probed = '1';
            const look = () => { if (lit(v)) mark('first-frame'); else v.requestVideoFrameCallback(look); };
            v.requestVideoFrameCallback(look);
          }).observe(document, { subtree: true, childList: true });
          new MutationObserver(() => {
            const layer = document.getElementById('call-layer');
            if (layer && layer.dataset.screen === 'incoming' && now() > window.bench.armed) mark('ring');
            if (layer && layer.dataset.screen === 'active' && now() > window.bench.armed) mark('active');
          }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-screen'] });
          // A track put on a sender (the answer turning the media on, on a link connected while it rang).
          const replace = RTCRtpSender.prototype.replaceTrack;
          RTCRtpSender.prototype.replaceTrack = function (t) { if (t && devices.has(t) && now() > window.bench.armed) mark('track-on-' + t.kind); return replace.call(this, t); };
        })();
        """;

    private const string Arm = "() => { window.bench.armed = performance.timeOrigin + performance.now(); window.bench.marks = {}; }";

    private const string Click = "(selector) => { const at = performance.timeOrigin + performance.now(); document.querySelector(selector).click(); return at; }";

    // Accept as a person does: <ms> after the ring showed (the page's own clock), then the click.
    private const string ClickAfterRing = """
        async ([selector, ms]) => {
          const now = () => performance.timeOrigin + performance.now();
          await new Promise(r => setTimeout(r, Math.max(0, window.bench.marks.ring + ms - now())));
          const at = now();
          document.querySelector(selector).click();
          return at;
        }
        """;

    // The baseline call: the camera and microphone opened, two connections in one page, first remote frame shown.
    private const string BareCall = """
        async () => {
          const t0 = performance.now();
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
          const a = new RTCPeerConnection(), b = new RTCPeerConnection();
          a.onicecandidate = e => e.candidate && b.addIceCandidate(e.candidate);
          b.onicecandidate = e => e.candidate && a.addIceCandidate(e.candidate);
          for (const t of stream.getTracks()) a.addTrack(t, stream);
          const video = document.createElement('video');
          video.muted = true; video.autoplay = true; video.playsInline = true;
          video.style.cssText = 'position:fixed;top:0;left:0;width:320px;height:240px';
          document.body.append(video);
          const shown = new Promise(r => video.requestVideoFrameCallback(() => r(performance.now())));
          b.ontrack = e => { if (e.track.kind === 'video') video.srcObject = new MediaStream([e.track]); };
          await a.setLocalDescription(); await b.setRemoteDescription(a.localDescription);
          await b.setLocalDescription(); await a.setRemoteDescription(b.localDescription);
          const ms = (await shown) - t0;
          a.close(); b.close(); video.remove();
          for (const t of stream.getTracks()) t.stop();
          return ms;
        }
        """;

    private static readonly TimeSpan CallPacing = TimeSpan.FromSeconds(6.2);

    /// <param name="answerAfterMs">How long after the ring shows Bob clicks Accept: a person takes about a second to see who calls and reach the button; 0 clicks at once.</param>
    /// <param name="cameraAllowed">Whether the site may use the camera and microphone already (a person who called from this browser before, and let Chromium remember it): the callee's device then shows its own camera while a video call rings (see Calls.ringPreview).</param>
    public static async Task RunAsync(AppCluster app, int calls, int answerAfterMs, bool cameraAllowed)
    {
        var web = app.Webs[0].BaseAddress;
        using var playwright = await Playwright.CreateAsync();
        // Two browser processes, as two people's computers.
        await using var browserA = await Chromium.LaunchAsync(playwright);
        await using var browserB = await Chromium.LaunchAsync(playwright);
        var alice = await Person.SignUpAsync(await NewContextAsync(browserA, web, cameraAllowed), "alice", "Alice Bench");
        var bob = await Person.SignUpAsync(await NewContextAsync(browserB, web, cameraAllowed), "bob", "Bob Bench");
        await alice.BefriendAsync(bob);
        if (!cameraAllowed)
        {
            // As where the site was never allowed the camera: no preview while it rings, the camera opens on Accept.
            // (The test browser's fake prompt allows every request, so the product's own switch turns it off.)
            await bob.Page.EvaluateAsync("() => { window.cybernetDebug.callTuning.ringPreview = false; }");
        }

        await alice.OpenConversationAsync("Bob Bench");
        // The baseline in a browser of its own: a second tab in Bob's browser would share (and hide) his page.
        await using var browserC = await Chromium.LaunchAsync(playwright);
        var baselinePage = await (await browserC.NewContextAsync(new BrowserNewContextOptions { BaseURL = web.ToString() })).NewPageAsync();
        await baselinePage.GotoAsync("/Account/SignIn"); // any http://127.0.0.1 page of ours

        List<double> ring = [], hub = [], calleeFrame = [], callerFrame = [], bare = [];
        // The product lets one caller start 5 calls at once and then one every 6 s: the calls are paced to stay inside it.
        var pace = System.Diagnostics.Stopwatch.StartNew();
        Dictionary<string, List<double>> stages = [];
        for (var i = 0; i <= calls; i++)
        {
            var counted = i > 0; // the first call warms up, uncounted
            // Alternate which goes first: the bare baselines, or our call.
            double hubMs = 0, bareMs = 0;
            async Task BaselinesAsync()
            {
                hubMs = await alice.Page.EvaluateAsync<double>("() => window.cybernetDebug.hubRoundTrip()");
                bareMs = await baselinePage.EvaluateAsync<double>(BareCall);
            }

            if (i % 2 == 0)
            {
                await BaselinesAsync();
            }

            var wait = CallPacing - pace.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            pace.Restart();
            var one = await OneCallAsync(alice, bob, answerAfterMs);
            if (i % 2 == 1)
            {
                await BaselinesAsync();
            }

            if (!counted)
            {
                continue;
            }

            hub.Add(hubMs);
            bare.Add(bareMs);
            ring.Add(one.Ring);
            calleeFrame.Add(one.CalleeFrame);
            callerFrame.Add(one.CallerFrame);
            foreach (var (stage, ms) in one.Stages.Where(s => !double.IsNaN(s.Ms)))
            {
                (stages.TryGetValue(stage, out var list) ? list : stages[stage] = []).Add(ms);
            }
        }

        Report.Section($"Browser calls: {calls} video calls (one warm-up uncounted), Accept clicked {answerAfterMs} ms after the ring shows, camera {(cameraAllowed ? "allowed before (the callee's camera opens for a preview while it rings)" : "never allowed before (no ring preview)")}, two Chromium processes on loopback, one silo, one web node, fake camera and microphone");
        var ourRing = new Stats("click Call -> ring on the callee's screen", ring);
        var hubStats = new Stats("bare hub round trip from the caller's page", hub);
        Report.Line(ourRing.ToString());
        Report.Line(hubStats.ToString());
        Report.Line(Stats.Ratio(ourRing, hubStats));
        var callee = new Stats("click Accept -> first remote frame, callee", calleeFrame);
        var caller = new Stats("click Accept -> first remote frame, caller", callerFrame);
        var bareStats = new Stats("bare call in one page: camera -> frame", bare);
        Report.Line(callee.ToString());
        Report.Line(caller.ToString());
        Report.Line(bareStats.ToString());
        Report.Line(Stats.Ratio(callee, bareStats));
        Report.Line("where Accept -> first frame goes (median ms after the click, each side's first mark):");
        foreach (var (stage, list) in stages.OrderBy(s => new Stats(s.Key, s.Value).P(50)))
        {
            Report.Line(string.Create(CultureInfo.InvariantCulture, $"  {stage,-36} p50={new Stats(stage, list).P(50),8:F1} ms  p95={new Stats(stage, list).P(95),8:F1} ms"));
        }
    }

    private sealed record CallFigures(double Ring, double CalleeFrame, double CallerFrame, IReadOnlyList<(string Stage, double Ms)> Stages);

    private static async Task<CallFigures> OneCallAsync(Person alice, Person bob, int answerAfterMs)
    {
        await alice.Page.EvaluateAsync(Arm);
        await bob.Page.EvaluateAsync(Arm);
        var clickCall = await alice.Page.EvaluateAsync<double>(Click, "#call-video");
        await bob.Page.WaitForFunctionAsync("() => 'ring' in window.bench.marks", null, new() { Timeout = 20_000, PollingInterval = 20 });
        await bob.Page.Locator("button[data-action=answer-video]").WaitForAsync(new() { Timeout = 20_000 });
        var accept = await bob.Page.EvaluateAsync<double>(ClickAfterRing, new object[] { "button[data-action=answer-video]", answerAfterMs });
        const string framed = "() => 'first-frame' in window.bench.marks";
        await alice.Page.WaitForFunctionAsync(framed, null, new() { Timeout = 30_000, PollingInterval = 20 });
        await bob.Page.WaitForFunctionAsync(framed, null, new() { Timeout = 30_000, PollingInterval = 20 });
        var a = await MarksAsync(alice.Page);
        var b = await MarksAsync(bob.Page);

        await alice.Page.ClickAsync("button[data-action=hang-up]");
        await Assertions.Expect(alice.Page.Locator("#call-layer")).Not.ToHaveAttributeAsync("data-screen", "active", new() { Timeout = 20_000 });
        await Assertions.Expect(bob.Page.Locator("#call-layer")).Not.ToHaveAttributeAsync("data-screen", "active", new() { Timeout = 20_000 });

        List<(string, double)> stages =
        [
            ("callee: microphone (and camera) open", At(b, "media-open") - accept),
            ("callee: ring preview's camera open", At(b, "camera-open") - accept),
            ("callee: call view shown", At(b, "active") - accept),
            ("caller: call view shown (told: answered)", At(a, "active") - accept),
            ("callee: camera on the link", At(b, "track-on-video") - accept),
            ("caller: camera on the link", At(a, "track-on-video") - accept),
            ("callee: media link made", At(b, "link-made") - accept),
            ("caller: media link made", At(a, "link-made") - accept),
            ("callee: caller's offer applied", At(b, "offer-in") - accept),
            ("caller: callee's answer applied", At(a, "answer-in") - accept),
            ("callee: ICE and DTLS connected", At(b, "connected") - accept),
            ("caller: ICE and DTLS connected", At(a, "connected") - accept),
            ("caller: first own candidate", At(a, "first-candidate") - accept),
            ("callee: remote video track", At(b, "track-video") - accept),
            ("caller: remote video track", At(a, "track-video") - accept),
            ("callee: first video packets in", At(b, "packets-video") - accept),
            ("caller: first video packets in", At(a, "packets-video") - accept),
            ("callee: first remote frame shown", At(b, "first-frame") - accept),
            ("caller: first remote frame shown", At(a, "first-frame") - accept),
        ];
        return new CallFigures(b["ring"] - clickCall, b["first-frame"] - accept, a["first-frame"] - accept, stages);
    }

    private static double At(Dictionary<string, double> marks, string name) => marks.TryGetValue(name, out var at) ? at : double.NaN;

    private static async Task<Dictionary<string, double>> MarksAsync(IPage page)
    {
        using var doc = JsonDocument.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.bench.marks)"));
        var marks = doc.RootElement;
        var all = new Dictionary<string, double>();
        foreach (var p in marks.EnumerateObject())
        {
            all[p.Name] = p.Value.GetDouble();
        }

        foreach (var needed in new[] { "link-made", "connected", "first-frame" })
        {
            if (!all.ContainsKey(needed))
            {
                throw new InvalidOperationException($"the page never marked '{needed}': {marks.GetRawText()}");
            }
        }

        return all;
    }

    private static async Task<IBrowserContext> NewContextAsync(IBrowser browser, Uri web, bool cameraAllowed)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = web.ToString() });
        if (cameraAllowed)
        {
            await context.GrantPermissionsAsync(["camera", "microphone"]);
        }

        await context.AddInitScriptAsync(Probe);
        return context;
    }
}
