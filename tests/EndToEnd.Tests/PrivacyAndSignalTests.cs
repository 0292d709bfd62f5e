using System.Net;
using System.Text;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;

namespace Cybernet.EndToEnd.Tests;

[Collection(BrowserCollection.Name)]
public sealed class PrivacyAndSignalTests(BrowserFixture fixture)
{
    [Fact]
    public async Task A_message_never_reaches_the_database_or_the_server_logs()
    {
        await using var alice = await Person.SignUpAsync(fixture.Browser, fixture.Web, "alice", "Alice Liddell");
        await using var bob = await Person.SignUpAsync(fixture.Browser, fixture.Web, "bob", "Bob Builder");
        await alice.BefriendAsync(bob);
        var waitingToken = $"secret-{Guid.NewGuid():N}";
        var liveToken = $"secret-{Guid.NewGuid():N}";

        // Through the outbox while Bob is away (a pending offer is recorded), then live.
        await bob.Page.CloseAsync();
        await alice.OpenConversationAsync("Bob Builder");
        await alice.SendAsync(waitingToken);
        await Assertions.Expect(alice.Outgoing.First).ToHaveAttributeAsync("data-status", "waiting");
        await bob.OpenNewTabAsync();
        await bob.OpenConversationAsync("Alice Liddell");
        await Assertions.Expect(bob.Incoming.First).ToContainTextAsync(waitingToken, new() { Timeout = Person.Patience });
        await alice.SendAsync(liveToken);
        await Assertions.Expect(bob.Incoming.Nth(1)).ToContainTextAsync(liveToken, new() { Timeout = Person.Patience });

        var dump = await DumpDatabaseAsync(fixture.App!.ConnectionString);
        Assert.True(dump.Length > 1000, "the dump has the database's content");
        Assert.Contains(alice.UserName, dump, StringComparison.Ordinal); // proves the scan sees real data
        // Nor does any SDP body: every offer and answer carries these lines.
        foreach (var token in new[] { waitingToken, liveToken, "a=ice-ufrag", "a=fingerprint" })
        {
            Assert.DoesNotContain(token, dump, StringComparison.Ordinal);
            Assert.DoesNotContain(token, fixture.App.AllOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_malformed_signal_gets_a_clear_error_and_both_sessions_go_on()
    {
        await using var alice = await Person.SignUpAsync(fixture.Browser, fixture.Web, "alice", "Alice Liddell");
        await using var bob = await Person.SignUpAsync(fixture.Browser, fixture.Web, "bob", "Bob Builder");
        await alice.BefriendAsync(bob);
        await alice.OpenConversationAsync("Bob Builder");
        await Assertions.Expect(alice.Page.Locator("#link-state")).ToHaveAttributeAsync("data-state", "direct", new() { Timeout = Person.Patience });

        // A second client signed in as Alice (her cookie) sends what a broken or hostile client might.
        var cookies = new CookieContainer();
        foreach (var c in await alice.Context.CookiesAsync())
        {
            cookies.Add(new System.Net.Cookie(c.Name, c.Value, c.Path, c.Domain));
        }

        await using var raw = SessionHubClient.Build(fixture.Web, cookies);
        await raw.StartAsync();
        var bobId = Guid.Parse((await bob.Page.Locator("#app").GetAttributeAsync("data-user-id"))!);

        var oversized = await Assert.ThrowsAsync<HubException>(() =>
            raw.InvokeAsync<object>("SendSignal", new { to = bobId, kind = "offer", payload = new string('x', 70_000) }));
        Assert.Contains("too large", oversized.Message, StringComparison.Ordinal);
        var shapeless = await Assert.ThrowsAsync<HubException>(() => raw.InvokeAsync<object>("SendSignal", new { to = bobId }));
        Assert.Contains("needs a kind", shapeless.Message, StringComparison.Ordinal);

        // Well-formed for the server but garbage for Bob's browser: Bob drops it and carries on.
        await raw.InvokeAsync<object>("SendSignal", new { to = bobId, kind = "offer", payload = "{not sdp" });
        await raw.InvokeAsync<object>("SendSignal", new { to = bobId, kind = "candidate", payload = "[]" });

        await alice.SendAsync("still here?");
        await bob.OpenConversationAsync("Alice Liddell");
        await Assertions.Expect(bob.Incoming.First).ToContainTextAsync("still here?", new() { Timeout = Person.Patience });
        Assert.Equal(HubConnectionState.Connected, raw.State);
    }

    /// <summary>Every row of every table of ours, text and binary columns alike, as one string to search.</summary>
    internal static async Task<string> DumpDatabaseAsync(string connectionString)
    {
        var dump = new StringBuilder();
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "select quote_ident(table_schema) || '.' || quote_ident(table_name) from information_schema.tables " +
            "where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')", db))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        foreach (var table in tables)
        {
#pragma warning disable CA2100 // table names come from the catalog, quoted by quote_ident
            await using var select = new NpgsqlCommand($"select * from {table}", db);
#pragma warning restore CA2100
            await using var rows = await select.ExecuteReaderAsync();
            while (await rows.ReadAsync())
            {
                for (var i = 0; i < rows.FieldCount; i++)
                {
                    var value = rows.IsDBNull(i) ? null : rows.GetValue(i);
                    dump.Append(value switch
                    {
                        byte[] bytes => Encoding.UTF8.GetString(bytes) + Encoding.Unicode.GetString(bytes) + Encoding.Latin1.GetString(bytes),
                        null => "",
                        _ => value.ToString(),
                    }).Append('\t');
                }

                dump.AppendLine();
            }
        }

        return dump.ToString();
    }
}
