using System.Text.Json;

using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Cybernet.Web.Tests;

/// <summary>
/// Calls through the hub on two web nodes: a call rings the contact's session across nodes, is answered and hung up;
/// every bad act gets a readable error, the connection stays up and the call is unchanged.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class HubCallTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static Task SeesAsync(TestUser user, Guid callId, Func<JsonElement, bool> what, string description) =>
        TestWait.UntilAsync(() => Task.FromResult(user.LastCall(callId) is { } call && what(call)), Patience, description);

    private static string Phase(JsonElement call) => call.GetProperty("phase").GetString()!;

    [Fact]
    public async Task A_call_rings_across_nodes_is_answered_carries_signals_and_is_hung_up()
    {
        var (a, b) = await Befriend.OnlineContactsAsync(fixture.Web1, fixture.Web2);
        await using var disposeA = a;
        await using var disposeB = b;

        var call = await a.Hub!.InvokeAsync<JsonElement>("StartCall", b.Id, true);
        var id = call.GetProperty("callId").GetGuid();
        Assert.Equal("ringing", Phase(call));
        Assert.True(call.GetProperty("video").GetBoolean());
        await SeesAsync(b, id, c => Phase(c) == "ringing", "B's session rings");

        // While it rings, B's ringing device connects ahead of an answer: it says hello, A's device offers to it by name.
        await b.Hub!.InvokeAsync("SendCallSignal", new { callId = id, kind = "hello", payload = "{}" });
        await TestWait.UntilAsync(() => Task.FromResult(a.CallSignals.Any(s => s.GetProperty("kind").GetString() == "hello")), Patience, "A gets the hello of B's ringing device");
        var ringingDevice = a.CallSignals.First(s => s.GetProperty("kind").GetString() == "hello").GetProperty("fromSession").GetString();
        await a.Hub!.InvokeAsync("SendCallSignal", new { callId = id, kind = "offer", payload = "v=0 early", toSession = ringingDevice });
        await TestWait.UntilAsync(() => Task.FromResult(b.CallSignals.Any(s => s.GetProperty("payload").GetString() == "v=0 early")), Patience, "B's ringing device gets the early offer");

        await b.Hub!.InvokeAsync<JsonElement>("AnswerCall", id);
        await SeesAsync(a, id, c => Phase(c) == "connecting", "A learns it was answered");
        await a.Hub!.InvokeAsync("SendCallSignal", new { callId = id, kind = "offer", payload = "v=0 offer" });
        await TestWait.UntilAsync(() => Task.FromResult(b.CallSignals.Any(s => s.GetProperty("payload").GetString() == "v=0 offer")), Patience, "B gets the offer");
        await a.Hub!.InvokeAsync<JsonElement>("ReportCall", id, "connected", null);
        await SeesAsync(b, id, c => Phase(c) == "connected", "B sees connected");

        var ended = await b.Hub!.InvokeAsync<JsonElement>("HangUp", id);
        Assert.Equal("completed", ended.GetProperty("outcome").GetString());
        await SeesAsync(a, id, c => c.GetProperty("outcome").GetString() == "completed", "A sees it completed");
        Assert.Equal(JsonValueKind.Null, (await a.Hub!.InvokeAsync<JsonElement>("GetCall")).ValueKind);
    }

    [Fact]
    public async Task Unknown_calls_calls_of_others_and_malformed_or_oversized_signals_are_refused_and_change_nothing()
    {
        var (a, b) = await Befriend.OnlineContactsAsync(fixture.Web1, fixture.Web2);
        await using var disposeA = a;
        await using var disposeB = b;
        await using var stranger = await TestUser.SignUpAsync(fixture.Web1);
        await stranger.ConnectAsync();

        var call = await a.Hub!.InvokeAsync<JsonElement>("StartCall", b.Id, false);
        var id = call.GetProperty("callId").GetGuid();

        async Task RefusedAsync(TestUser who, Func<HubConnection, Task> act, string says)
        {
            var error = await Assert.ThrowsAsync<HubException>(() => act(who.Hub!));
            Assert.Contains(says, error.Message, StringComparison.Ordinal);
            Assert.Equal(HubConnectionState.Connected, who.Hub!.State);
        }

        await RefusedAsync(b, h => h.InvokeAsync<JsonElement>("AnswerCall", Guid.NewGuid()), "no such call");
        await RefusedAsync(b, h => h.InvokeAsync<JsonElement>("AnswerCall", Guid.Empty), "A call id is required");
        await RefusedAsync(stranger, h => h.InvokeAsync<JsonElement>("AnswerCall", id), "not your call");
        await RefusedAsync(stranger, h => h.InvokeAsync<JsonElement>("HangUp", id), "not your call");
        await RefusedAsync(a, h => h.InvokeAsync<JsonElement>("AnswerCall", id), "the other side answers");
        await RefusedAsync(a, h => h.InvokeAsync("SendCallSignal", new { callId = id, kind = "offer", payload = "v=0" }), "still rings");
        await RefusedAsync(a, h => h.InvokeAsync("SendCallSignal", new { callId = id, kind = "offer", payload = "v=0", toSession = new string('s', 65) }), "not that long");
        await RefusedAsync(stranger, h => h.InvokeAsync("SendCallSignal", new { callId = id, kind = "hello", payload = "{}" }), "not your call");
        await RefusedAsync(a, h => h.InvokeAsync("SendCallSignal", new { callId = id, kind = "bogus", payload = "v=0" }), "Unknown call signal kind");
        await RefusedAsync(a, h => h.InvokeAsync("SendCallSignal", new { callId = id, kind = "offer", payload = (string?)null }), "needs a payload");
        await RefusedAsync(a, h => h.InvokeAsync("SendCallSignal", new { callId = id, kind = "offer", payload = new string('x', 64 * 1024 + 1) }), "too large");
        await RefusedAsync(a, h => h.InvokeAsync<JsonElement>("ReportCall", id, "sideways", null), "connected, reconnecting or failed");
        await RefusedAsync(a, h => h.InvokeAsync<JsonElement>("ReportCall", id, "failed", "gremlins"), "Say why the call failed");
        await RefusedAsync(a, h => h.InvokeAsync<JsonElement>("StartCall", a.Id, false), "cannot call yourself");
        await RefusedAsync(stranger, h => h.InvokeAsync<JsonElement>("StartCall", b.Id, false), "only call your contacts");
        await RefusedAsync(a, h => h.InvokeAsync<JsonElement>("StartCall", b.Id, false), "another call");

        // Unchanged: still ringing, still the same call on both sides; nothing rang for the stranger.
        var now = await b.Hub!.InvokeAsync<JsonElement>("GetCall");
        Assert.Equal((id, "ringing"), (now.GetProperty("callId").GetGuid(), Phase(now)));
        Assert.DoesNotContain(b.Calls, c => c.GetProperty("caller").GetGuid() == stranger.Id);
        await a.Hub!.InvokeAsync<JsonElement>("HangUp", id);
        await SeesAsync(b, id, c => c.GetProperty("outcome").GetString() == "cancelled", "B's ring stops: cancelled");
    }

    [Fact]
    public async Task Call_attempts_are_rate_limited_per_caller_and_the_connection_stays_up()
    {
        var (a, b) = await Befriend.OnlineContactsAsync(fixture.Web1, fixture.Web2);
        await using var disposeA = a;
        await using var disposeB = b;
        await b.Hub!.DisposeAsync(); // B offline: each attempt ends at once as not available

        var outcomes = new List<string>();
        HubException? limited = null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 10 && limited is null; i++)
        {
            try
            {
                outcomes.Add((await a.Hub!.InvokeAsync<JsonElement>("StartCall", b.Id, false)).GetProperty("outcome").GetString()!);
            }
            catch (HubException error)
            {
                limited = error;
            }
        }

        Assert.NotNull(limited);
        Assert.Contains("Too many calls", limited.Message, StringComparison.Ordinal);
        // Five at once; on a slow machine one more for every 6 s the attempts took (the limiter refills as it should).
        Assert.InRange(outcomes.Count, 5, 5 + (int)Math.Ceiling(clock.Elapsed.TotalSeconds / 6));
        Assert.All(outcomes, o => Assert.Equal("not-available", o));
        Assert.Equal(HubConnectionState.Connected, a.Hub!.State);
    }
}
