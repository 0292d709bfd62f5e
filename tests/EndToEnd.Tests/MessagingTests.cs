using System.Text.RegularExpressions;

namespace Cybernet.EndToEnd.Tests;

[Collection(BrowserCollection.Name)]
public sealed partial class MessagingTests(BrowserFixture fixture)
{
    private static readonly LocatorAssertionsToHaveCountOptions Soon = new() { Timeout = Person.Patience };

    private static string Shot(string name) => Path.Combine(BrowserFixture.ScreenshotDir, name);

    [Fact]
    public async Task Chat_both_ways_with_delivered_and_read_receipts_and_history_after_reload()
    {
        await using var alice = await Person.SignUpAsync(fixture.Browser, fixture.Web, "alice", "Alice Liddell");
        await using var bob = await Person.SignUpAsync(fixture.Browser, fixture.Web, "bob", "Bob Builder");
        await alice.BefriendAsync(bob);

        await alice.OpenConversationAsync("Bob Builder");
        await alice.SendAsync("Hello Bob!");
        await alice.Page.Keyboard.PressAsync("Shift+Enter"); // an empty composer: nothing is sent
        await Assertions.Expect(alice.Outgoing).ToHaveCountAsync(1);

        // Bob has not opened the conversation: it arrives anyway, as an unread count.
        await Assertions.Expect(bob.ContactRow("Alice Liddell").Locator("[data-role=unread]")).ToHaveTextAsync("1", new() { Timeout = Person.Patience });
        await Assertions.Expect(alice.Outgoing.First).ToHaveAttributeAsync("data-status", "delivered", new() { Timeout = Person.Patience });

        await bob.OpenConversationAsync("Alice Liddell");
        await Assertions.Expect(bob.Incoming).ToHaveCountAsync(1);
        await Assertions.Expect(bob.Incoming.First).ToContainTextAsync("Hello Bob!");
        await Assertions.Expect(alice.Outgoing.First).ToHaveAttributeAsync("data-status", "read", new() { Timeout = Person.Patience });
        await Assertions.Expect(alice.Page.Locator("#link-state")).ToHaveAttributeAsync("data-state", "direct", new() { Timeout = Person.Patience });

        // Bob types: Alice sees it; then a multi-line reply.
        await bob.Page.FillAsync("#composer-input", "typing…");
        await bob.Page.Locator("#composer-input").PressSequentiallyAsync("!");
        await Assertions.Expect(alice.Page.Locator("#typing")).ToBeVisibleAsync(new() { Timeout = Person.Patience });
        await bob.Page.FillAsync("#composer-input", "");
        await bob.Page.Locator("#composer-input").PressSequentiallyAsync("Hi Alice");
        await bob.Page.Keyboard.PressAsync("Shift+Enter");
        await bob.Page.Locator("#composer-input").PressSequentiallyAsync("second line");
        await bob.Page.Keyboard.PressAsync("Enter");

        await Assertions.Expect(alice.Incoming).ToHaveCountAsync(1, Soon);
        Assert.Equal("Hi Alice\nsecond line", await alice.Incoming.First.Locator(".bubble").InnerTextAsync());
        await Assertions.Expect(alice.Page.Locator("#typing")).ToBeHiddenAsync();
        await Assertions.Expect(bob.Outgoing.First).ToHaveAttributeAsync("data-status", "read", new() { Timeout = Person.Patience });
        Assert.Matches(TimeOfDay(), await alice.Incoming.First.Locator("time").InnerTextAsync());
        await alice.Page.ScreenshotAsync(new() { Path = Shot("chat.png") });

        // History is per device, in IndexedDB: there after a reload.
        await alice.ReloadAsync("Bob Builder");
        await Assertions.Expect(alice.Messages).ToHaveCountAsync(2);
        await Assertions.Expect(alice.Outgoing.First).ToContainTextAsync("Hello Bob!");
        await Assertions.Expect(alice.Incoming.First).ToContainTextAsync("second line");

        // The reloaded tab is a new session: a new connection comes up by itself and carries the next message.
        await Assertions.Expect(alice.Page.Locator("#link-state")).ToHaveAttributeAsync("data-state", "direct", new() { Timeout = Person.Patience });
        await alice.SendAsync("After the reload");
        await Assertions.Expect(bob.Incoming).ToHaveCountAsync(2, Soon);
        await Assertions.Expect(bob.Incoming.Last).ToContainTextAsync("After the reload");
    }

    [Fact]
    public async Task Messages_to_an_offline_contact_wait_and_arrive_once_in_order_when_they_sign_in()
    {
        await using var alice = await Person.SignUpAsync(fixture.Browser, fixture.Web, "alice", "Alice Liddell");
        await using var bob = await Person.SignUpAsync(fixture.Browser, fixture.Web, "bob", "Bob Builder");
        await alice.BefriendAsync(bob);
        await bob.Page.CloseAsync();
        await Assertions.Expect(alice.ContactRow("Bob Builder")).ToHaveAttributeAsync("data-presence", "offline", new() { Timeout = Person.Patience });

        await alice.OpenConversationAsync("Bob Builder");
        foreach (var text in new[] { "one", "two", "three" })
        {
            await alice.SendAsync(text);
        }

        await Assertions.Expect(alice.Outgoing).ToHaveCountAsync(3);
        for (var i = 0; i < 3; i++)
        {
            await Assertions.Expect(alice.Outgoing.Nth(i)).ToHaveAttributeAsync("data-status", "waiting");
        }

        // Once Bob's grain knows (a count, no content), Alice may go offline too; Bob signs in and learns what waits for him.
        await Assertions.Expect(alice.Page.Locator("#outbox-note")).ToHaveAttributeAsync("data-count", "3", new() { Timeout = Person.Patience });
        await alice.Page.CloseAsync();
        await bob.OpenNewTabAsync();
        await Assertions.Expect(bob.Page.Locator("#pending-list")).ToContainTextAsync("Alice Liddell has 3 messages waiting", new() { Timeout = Person.Patience });
        await bob.Page.ScreenshotAsync(new() { Path = Shot("pending.png") });

        // Alice comes back: the outbox drains.
        await alice.OpenNewTabAsync();
        await Assertions.Expect(bob.ContactRow("Alice Liddell").Locator("[data-role=unread]")).ToHaveTextAsync("3", new() { Timeout = Person.Patience });
        await bob.OpenConversationAsync("Alice Liddell");
        await Assertions.Expect(bob.Incoming).ToHaveCountAsync(3);
        Assert.Equal(["one", "two", "three"], await bob.Page.Locator("#messages li.message-in .bubble").AllInnerTextsAsync());
        await Assertions.Expect(bob.Page.Locator("#pending")).ToBeHiddenAsync(new() { Timeout = Person.Patience });

        await alice.OpenConversationAsync("Bob Builder");
        for (var i = 0; i < 3; i++)
        {
            await Assertions.Expect(alice.Outgoing.Nth(i)).ToHaveAttributeAsync("data-status", "read", new() { Timeout = Person.Patience });
        }

        // A reload of either side never brings a second copy.
        await bob.ReloadAsync("Alice Liddell");
        await alice.ReloadAsync("Bob Builder");
        await Assertions.Expect(alice.Page.Locator("#link-state")).ToHaveAttributeAsync("data-state", "direct", new() { Timeout = Person.Patience });
        await Assertions.Expect(bob.Incoming).ToHaveCountAsync(3);
    }

    [Fact]
    public async Task Both_sides_opening_the_conversation_at_the_same_instant_still_connect()
    {
        await using var alice = await Person.SignUpAsync(fixture.Browser, fixture.Web, "alice", "Alice Liddell");
        await using var bob = await Person.SignUpAsync(fixture.Browser, fixture.Web, "bob", "Bob Builder");
        await alice.BefriendAsync(bob);
        await Assertions.Expect(alice.ContactRow("Bob Builder")).ToHaveAttributeAsync("data-presence", "online", new() { Timeout = Person.Patience });

        await Task.WhenAll(alice.OpenConversationAsync("Bob Builder"), bob.OpenConversationAsync("Alice Liddell"));

        await Assertions.Expect(alice.Page.Locator("#link-state")).ToHaveAttributeAsync("data-state", "direct", new() { Timeout = Person.Patience });
        await Assertions.Expect(bob.Page.Locator("#link-state")).ToHaveAttributeAsync("data-state", "direct", new() { Timeout = Person.Patience });
        await Task.WhenAll(alice.SendAsync("at once A"), bob.SendAsync("at once B"));
        await Assertions.Expect(alice.Incoming).ToHaveCountAsync(1, Soon);
        await Assertions.Expect(bob.Incoming).ToHaveCountAsync(1, Soon);
    }

    [Fact]
    public async Task A_message_reaches_every_online_device_of_the_recipient()
    {
        await using var alice = await Person.SignUpAsync(fixture.Browser, fixture.Web, "alice", "Alice Liddell");
        await using var bobLaptop = await Person.SignUpAsync(fixture.Browser, fixture.Web, "bob", "Bob Builder");
        await alice.BefriendAsync(bobLaptop);
        await using var bobPhone = await bobLaptop.SignInOnAnotherDeviceAsync(fixture.Browser, fixture.Web);
        await Assertions.Expect(alice.ContactRow("Bob Builder").Locator(".person-status")).ToHaveTextAsync("Online on 2 devices", new() { Timeout = Person.Patience });

        await alice.OpenConversationAsync("Bob Builder");
        await alice.SendAsync("to all your devices");

        foreach (var device in new[] { bobLaptop, bobPhone })
        {
            await Assertions.Expect(device.ContactRow("Alice Liddell").Locator("[data-role=unread]")).ToHaveTextAsync("1", new() { Timeout = Person.Patience });
            await device.OpenConversationAsync("Alice Liddell");
            await Assertions.Expect(device.Incoming).ToHaveCountAsync(1);
        }
    }

    [Fact]
    public async Task Blocking_cuts_the_live_connection_and_nothing_more_arrives()
    {
        await using var alice = await Person.SignUpAsync(fixture.Browser, fixture.Web, "alice", "Alice Liddell");
        await using var bob = await Person.SignUpAsync(fixture.Browser, fixture.Web, "bob", "Bob Builder");
        await alice.BefriendAsync(bob);
        await bob.OpenConversationAsync("Alice Liddell");
        await bob.SendAsync("before the block");
        await Assertions.Expect(bob.Outgoing.First).ToHaveAttributeAsync("data-status", "delivered", new() { Timeout = Person.Patience });

        await alice.ContactRow("Bob Builder").Locator(".menu-button").ClickAsync();
        await alice.Page.Locator(".menu-item", new() { HasText = "Block" }).ClickAsync();
        await Assertions.Expect(alice.Page.Locator("#blocked li")).ToHaveCountAsync(1, Soon);

        // Silent: Bob sees Alice offline, and what he sends now never reaches her.
        await Assertions.Expect(bob.ContactRow("Alice Liddell")).ToHaveAttributeAsync("data-presence", "offline", new() { Timeout = Person.Patience });
        await Assertions.Expect(bob.Page.Locator("#link-state")).Not.ToHaveAttributeAsync("data-state", "direct", new() { Timeout = Person.Patience });
        await bob.SendAsync("after the block");
        await Assertions.Expect(bob.Outgoing.Nth(1)).ToHaveAttributeAsync("data-status", "waiting", new() { Timeout = Person.Patience });
        var stored = await alice.Page.EvaluateAsync<int>("""
            async () => {
              const db = await new Promise((ok, fail) => { const r = indexedDB.open('cybernet-' + document.getElementById('app').dataset.userId); r.onsuccess = () => ok(r.result); r.onerror = fail; });
              const all = await new Promise(ok => { const r = db.transaction('messages').objectStore('messages').getAll(); r.onsuccess = () => ok(r.result); });
              return all.filter(m => m.text === 'after the block').length;
            }
            """);
        Assert.Equal(0, stored);
    }

    [GeneratedRegex(@"^\d{1,2}:\d{2}")]
    private static partial Regex TimeOfDay();
}
