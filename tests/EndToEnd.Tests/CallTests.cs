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
}
