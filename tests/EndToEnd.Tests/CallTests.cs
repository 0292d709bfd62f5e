using System.Text.Json;

namespace Cybernet.EndToEnd.Tests;

/// <summary>
/// Calls between real Chromium pages with fake camera and microphone: each side asserts the other's video is decoding
/// (framesDecoded rising between two getStats samples) and its audio arriving (totalSamplesReceived rising).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CallTests(BrowserFixture fixture)
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Soon = new() { Timeout = Person.Patience };

    private static string Shot(string name) => Path.Combine(BrowserFixture.ScreenshotDir, name);

    private static ILocator Layer(Person p) => p.Page.Locator("#call-layer");

    private static ILocator Status(Person p) => p.Page.Locator("#call-status");

    private static async Task<(double Frames, double Samples)> ReceivedAsync(Person p)
    {
        var stats = await p.Page.EvaluateAsync<JsonElement>("() => window.cybernetDebug.callStats()");
        return stats.ValueKind == JsonValueKind.Object
            ? (stats.GetProperty("framesDecoded").GetDouble(), stats.GetProperty("totalSamplesReceived").GetDouble())
            : (0, 0);
    }

    /// <summary>Waits until remote video frames and audio samples both grow between two samples.</summary>
    private static async Task MediaFlowsAsync(Person p, bool video)
    {
        var first = (Frames: 0.0, Samples: 0.0);
        await TestWait.UntilAsync(async () =>
        {
            var now = await ReceivedAsync(p);
            var rising = now.Samples > first.Samples && now.Samples > 0 && (!video || (now.Frames > first.Frames && first.Frames > 0));
            first = now;
            return rising;
        }, TimeSpan.FromSeconds(30), $"{p.DisplayName} receives the other side's {(video ? "video and audio" : "audio")}");
    }

    [Fact]
    public async Task A_video_call_rings_is_answered_both_see_and_hear_each_other_and_either_hangs_up()
    {
        await using var alice = await Person.SignUpAsync(fixture.Browser, fixture.Web, "alice", "Alice Liddell");
        await using var bob = await Person.SignUpAsync(fixture.Browser, fixture.Web, "bob", "Bob Builder");
        await alice.BefriendAsync(bob);
        await alice.OpenConversationAsync("Bob Builder");

        await alice.Page.ClickAsync("#call-video");
        await Assertions.Expect(Layer(alice)).ToHaveAttributeAsync("data-screen", "outgoing", Soon);
        await Assertions.Expect(Layer(bob)).ToHaveAttributeAsync("data-screen", "incoming", Soon);
        await Assertions.Expect(bob.Page.Locator("#call-title")).ToHaveTextAsync("Alice Liddell");
        await bob.Page.ScreenshotAsync(new() { Path = Shot("call-incoming.png") });
        await alice.Page.ScreenshotAsync(new() { Path = Shot("call-outgoing.png") });

        await bob.Page.ClickAsync("button[data-action=answer-video]");
        await Assertions.Expect(Status(alice)).ToHaveAttributeAsync("data-phase", "connected", Soon);
        await Assertions.Expect(Status(bob)).ToHaveAttributeAsync("data-phase", "connected", Soon);
        await MediaFlowsAsync(alice, video: true);
        await MediaFlowsAsync(bob, video: true);
        await Assertions.Expect(alice.Page.Locator("#call-path")).ToHaveAttributeAsync("data-path", "direct", Soon);
        await Assertions.Expect(alice.Page.Locator("#call-path")).ToHaveTextAsync("Direct");
        await alice.Page.ScreenshotAsync(new() { Path = Shot("call-video.png") });

        // Controls work from the keyboard and say their state.
        await alice.Page.Locator("button[data-action=mute]").FocusAsync();
        await alice.Page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(alice.Page.Locator("button[data-action=mute]")).ToHaveAttributeAsync("aria-pressed", "true");

        await bob.Page.ClickAsync("button[data-action=hang-up]");
        await Assertions.Expect(Status(alice)).ToHaveTextAsync("Call ended.", new() { Timeout = Person.Patience });
        await Assertions.Expect(Status(bob)).ToHaveTextAsync("Call ended.", new() { Timeout = Person.Patience });
        await Assertions.Expect(alice.Page.Locator("#call-history li").First).ToHaveAttributeAsync("data-outcome", "completed", Soon);
        await Assertions.Expect(alice.Page.Locator("#call-history li").First).ToContainTextAsync("Outgoing video call");
    }

    [Fact]
    public async Task Two_devices_ring_one_answers_the_other_stops_and_a_decline_ends_it_for_the_caller()
    {
        await using var alice = await Person.SignUpAsync(fixture.Browser, fixture.Web, "alice", "Alice Liddell");
        await using var bob = await Person.SignUpAsync(fixture.Browser, fixture.Web, "bob", "Bob Builder");
        await alice.BefriendAsync(bob);
        await using var bobPhone = await bob.SignInOnAnotherDeviceAsync(fixture.Browser, fixture.Web);
        await alice.OpenConversationAsync("Bob Builder");

        // An audio call: both of Bob's devices ring; the phone answers; the laptop says so at once.
        await alice.Page.ClickAsync("#call-audio");
        await Assertions.Expect(Layer(bob)).ToHaveAttributeAsync("data-screen", "incoming", Soon);
        await Assertions.Expect(Layer(bobPhone)).ToHaveAttributeAsync("data-screen", "incoming", Soon);
        await bobPhone.Page.ClickAsync("button[data-action=answer-audio]");
        await Assertions.Expect(Layer(bob)).ToHaveAttributeAsync("data-screen", "elsewhere", new() { Timeout = 2_000 });
        await Assertions.Expect(Status(bob)).ToHaveTextAsync("Answered on another device");
        await MediaFlowsAsync(alice, video: false);
        await MediaFlowsAsync(bobPhone, video: false);
        await alice.Page.ClickAsync("button[data-action=hang-up]");
        await Assertions.Expect(Layer(bob)).ToHaveAttributeAsync("data-screen", "ended", Soon);

        // Called again: Bob declines on the laptop; every device stops, Alice is told.
        await Assertions.Expect(Layer(alice)).ToHaveAttributeAsync("hidden", "", Soon);
        await alice.Page.ClickAsync("#call-audio");
        await Assertions.Expect(Layer(bobPhone)).ToHaveAttributeAsync("data-screen", "incoming", Soon);
        await Assertions.Expect(Layer(bob)).ToHaveAttributeAsync("data-screen", "incoming", Soon);
        await bob.Page.ClickAsync("button[data-action=decline]");
        await Assertions.Expect(Status(alice)).ToHaveTextAsync("Declined.", new() { Timeout = Person.Patience });
        await Assertions.Expect(Layer(bobPhone)).ToHaveAttributeAsync("data-screen", "ended", new() { Timeout = 2_000 });
    }

    /// <summary>Alice (who calls) and Bob, contacts, Alice's conversation with Bob open.</summary>
    private async Task<(Person Alice, Person Bob)> PairAsync()
    {
        var alice = await Person.SignUpAsync(fixture.Browser, fixture.Web, "alice", "Alice Liddell");
        var bob = await Person.SignUpAsync(fixture.Browser, fixture.Web, "bob", "Bob Builder");
        await alice.BefriendAsync(bob);
        await alice.OpenConversationAsync("Bob Builder");
        return (alice, bob);
    }

    private static async Task ConnectedAsync(Person alice, Person bob, bool video)
    {
        await Assertions.Expect(Status(alice)).ToHaveAttributeAsync("data-phase", "connected", Soon);
        await Assertions.Expect(Status(bob)).ToHaveAttributeAsync("data-phase", "connected", Soon);
        await MediaFlowsAsync(alice, video);
        await MediaFlowsAsync(bob, video);
    }

    [Fact]
    public async Task A_reload_mid_call_rejoins_the_same_call_while_the_other_side_says_reconnecting()
    {
        var (alice, bob) = await PairAsync();
        await using var a = alice;
        await using var b = bob;
        await alice.Page.ClickAsync("#call-audio");
        await bob.Page.ClickAsync("button[data-action=answer-audio]", new() { Timeout = Person.Patience });
        await ConnectedAsync(alice, bob, video: false);

        await bob.Page.ReloadAsync();
        await Assertions.Expect(Status(alice)).ToHaveAttributeAsync("data-phase", "reconnecting", Soon);
        await Assertions.Expect(Status(alice)).ToHaveTextAsync("Reconnecting…");
        await alice.Page.ScreenshotAsync(new() { Path = Shot("call-reconnecting.png") });

        // Back within 10 s, in the same call, both ways.
        await Assertions.Expect(Status(bob)).ToHaveAttributeAsync("data-phase", "connected", new() { Timeout = 10_000 });
        await Assertions.Expect(Status(alice)).ToHaveAttributeAsync("data-phase", "connected", new() { Timeout = 10_000 });
        await MediaFlowsAsync(alice, video: false);
        await MediaFlowsAsync(bob, video: false);
        await alice.Page.ClickAsync("button[data-action=hang-up]");
        await Assertions.Expect(Status(bob)).ToHaveTextAsync("Call ended.", new() { Timeout = Person.Patience });
    }

    [Fact]
    public async Task The_caller_cancelling_and_a_ring_timing_out_leave_missed_calls_on_the_contact_until_seen()
    {
        var (alice, bob) = await PairAsync();
        await using var a = alice;
        await using var b = bob;

        await alice.Page.ClickAsync("#call-audio");
        await Assertions.Expect(Layer(bob)).ToHaveAttributeAsync("data-screen", "incoming", Soon);
        await alice.Page.ClickAsync("button[data-action=hang-up]");
        await Assertions.Expect(Status(alice)).ToHaveTextAsync("Call cancelled.", new() { Timeout = Person.Patience });
        await Assertions.Expect(Status(bob)).ToHaveTextAsync("Missed call: they hung up.", new() { Timeout = 2_000 });
        await bob.Page.ScreenshotAsync(new() { Path = Shot("call-missed.png") });

        // Nobody answers the next one: the server's clock (moved by the test) ends it at its timeout.
        await Assertions.Expect(Layer(alice)).ToHaveAttributeAsync("hidden", "", Soon);
        await alice.Page.ClickAsync("#call-video");
        await Assertions.Expect(Layer(bob)).ToHaveAttributeAsync("data-screen", "incoming", Soon);
        await fixture.App!.AdvanceCallClockAsync(TimeSpan.FromSeconds(61));
        await Assertions.Expect(Status(alice)).ToHaveTextAsync("No answer.", new() { Timeout = 5_000 });
        await Assertions.Expect(Status(bob)).ToHaveTextAsync("Missed call.", new() { Timeout = 5_000 });

        var missed = bob.ContactRow("Alice Liddell").Locator("[data-role=missed-calls]");
        await Assertions.Expect(missed).ToHaveTextAsync("2", new() { Timeout = Person.Patience });
        await Assertions.Expect(bob.Page.Locator("#pending-list li[data-kind=call]")).ToContainTextAsync("2 missed calls");
        await bob.OpenConversationAsync("Alice Liddell");
        await Assertions.Expect(bob.Page.Locator("#call-history li")).ToHaveCountAsync(2, new() { Timeout = Person.Patience });
        await Assertions.Expect(bob.Page.Locator("#call-history li").Last).ToContainTextAsync("Missed video call");
        await Assertions.Expect(missed).ToHaveCountAsync(0, new() { Timeout = Person.Patience });
    }

    [Fact]
    public async Task Calling_each_other_at_the_same_moment_makes_one_call_that_connects()
    {
        var (alice, bob) = await PairAsync();
        await using var a = alice;
        await using var b = bob;
        await bob.OpenConversationAsync("Alice Liddell");

        // Both press Call at the same instant (a script click: a person's click would land on the incoming screen
        // once the other's call rang first, which is the case Calling_back... covers in the grains).
        const string press = "() => document.getElementById('call-audio').click()";
        await Task.WhenAll(alice.Page.EvaluateAsync(press), bob.Page.EvaluateAsync(press));

        await ConnectedAsync(alice, bob, video: false);
        await Assertions.Expect(Layer(alice)).ToHaveAttributeAsync("data-screen", "active");
        await Assertions.Expect(Layer(bob)).ToHaveAttributeAsync("data-screen", "active");
    }

    [Fact]
    public async Task Screen_share_replaces_the_camera_in_the_same_call_and_the_far_side_decodes_it()
    {
        var (alice, bob) = await PairAsync();
        await using var a = alice;
        await using var b = bob;
        await alice.Page.ClickAsync("#call-video");
        await bob.Page.ClickAsync("button[data-action=answer-video]", new() { Timeout = Person.Patience });
        await ConnectedAsync(alice, bob, video: true);
        var camera = await bob.Page.EvaluateAsync<JsonElement>("() => window.cybernetDebug.callStats()");
        var cameraWidth = camera.GetProperty("frameWidth").GetDouble();

        await alice.Page.ClickAsync("button[data-action=screen]");
        await Assertions.Expect(alice.Page.Locator("button[data-action=screen]")).ToHaveAttributeAsync("aria-pressed", "true", Soon);
        await TestWait.UntilAsync(async () =>
            (await bob.Page.EvaluateAsync<JsonElement>("() => window.cybernetDebug.callStats()")).GetProperty("frameWidth").GetDouble() is var w && w > 0 && w != cameraWidth,
            TimeSpan.FromSeconds(20), "Bob decodes frames of another size: the screen, not the camera");
        await MediaFlowsAsync(bob, video: true);
        await alice.Page.ScreenshotAsync(new() { Path = Shot("call-screen-share.png") });
        await Assertions.Expect(Status(bob)).ToHaveAttributeAsync("data-phase", "connected");
    }

    [Fact]
    public async Task A_callee_whose_microphone_is_refused_is_told_why_and_the_caller_hears_the_call_failed()
    {
        var (alice, bob) = await PairAsync();
        await using var a = alice;
        await using var b = bob;
        // Bob's browser refuses the microphone, as a user who clicked "Block" would.
        await bob.Page.EvaluateAsync("() => { navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError')); }");

        await alice.Page.ClickAsync("#call-audio");
        await bob.Page.ClickAsync("button[data-action=answer-audio]", new() { Timeout = Person.Patience });
        await Assertions.Expect(Status(bob)).ToContainTextAsync("may not use your microphone", new() { Timeout = Person.Patience });
        await Assertions.Expect(Status(alice)).ToHaveTextAsync("The call failed: their microphone or camera could not be used.", new() { Timeout = Person.Patience });
        await bob.Page.ScreenshotAsync(new() { Path = Shot("call-media-refused.png") });
    }

    [Fact]
    public async Task The_call_screens_fit_a_360_pixel_phone()
    {
        var (alice, bob) = await PairAsync();
        await using var a = alice;
        await using var b = bob;
        await alice.Page.SetViewportSizeAsync(360, 740);
        await bob.Page.SetViewportSizeAsync(360, 740);

        await alice.Page.ClickAsync("#call-video");
        await Assertions.Expect(Layer(bob)).ToHaveAttributeAsync("data-screen", "incoming", Soon);
        await bob.Page.ScreenshotAsync(new() { Path = Shot("call-incoming-360.png") });
        await bob.Page.ClickAsync("button[data-action=answer-video]");
        await ConnectedAsync(alice, bob, video: true);
        await alice.Page.ScreenshotAsync(new() { Path = Shot("call-video-360.png") });

        // Every control is inside the screen and reachable.
        foreach (var control in await alice.Page.Locator(".call-controls button:visible").AllAsync())
        {
            var box = await control.BoundingBoxAsync();
            Assert.NotNull(box);
            Assert.True(box.X >= 0 && box.X + box.Width <= 360 && box.Y + box.Height <= 740, $"a control is off screen: {await control.InnerTextAsync()}");
        }
    }
}
