using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Cybernet.EndToEnd.Tests;

/// <summary>Files browser to browser: offered, accepted, streamed to the receiver's disk (OPFS), verified by SHA-256.</summary>
[Collection(BrowserCollection.Name)]
public sealed class FileTransferTests(BrowserFixture fixture) : IDisposable
{
    private const int MiB = 1024 * 1024;
    private const float Transfer = 60_000;
    private readonly string folder = Directory.CreateTempSubdirectory("cybernet-files-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task A_50_MiB_file_arrives_on_the_receivers_disk_with_a_matching_SHA256()
    {
        await using var pair = await PairAsync();
        var (alice, bob) = pair;
        var path = MakeFile("holiday.mp4", 50 * MiB);

        await alice.Page.SetInputFilesAsync("#file-input", path);
        var outgoing = Card(alice, "out");
        await Assertions.Expect(outgoing).ToHaveAttributeAsync("data-status", "offered", new() { Timeout = Person.Patience });
        var incoming = Card(bob, "in");
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "offered", new() { Timeout = Person.Patience });
        await Assertions.Expect(incoming).ToContainTextAsync("holiday.mp4");
        await Assertions.Expect(incoming).ToContainTextAsync("52.4 MB");
        await incoming.Locator("button[data-action=accept]").ClickAsync();

        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Transfer });
        await Assertions.Expect(outgoing).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Person.Patience });
        var expected = Sha256(path);
        Assert.Equal(expected, await incoming.GetAttributeAsync("data-sha256"));
        Assert.Equal(expected, await outgoing.GetAttributeAsync("data-sha256"));
        // Independently of the app's own hash: read the bytes back from the origin-private file system.
        Assert.Equal(expected, await HashOnDiskAsync(bob, await incoming.GetAttributeAsync("data-fid")));
        await Assertions.Expect(incoming.Locator("button[data-action=save]")).ToBeVisibleAsync();
        await bob.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "files-received.png") });
        await alice.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "files-sent.png") });
        // On a phone-sized screen the card and its buttons fit without sideways scrolling.
        await bob.Page.SetViewportSizeAsync(360, 740);
        await Assertions.Expect(incoming.Locator("button[data-action=remove]")).ToBeInViewportAsync();
        Assert.True(await bob.Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 360"), "nothing overflows 360 px");
        await bob.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "files-received-360.png") });

        // Delete reclaims the space: the file leaves the disk and the list.
        var fid = await incoming.GetAttributeAsync("data-fid");
        await incoming.Locator("button[data-action=remove]").ClickAsync();
        await Assertions.Expect(incoming).ToHaveCountAsync(0);
        await WaitForAsync(bob, $"async () => !(await (await (await navigator.storage.getDirectory()).getDirectoryHandle('received')).keys().next()).value", "the received folder to be empty");
        Assert.NotNull(fid);
    }

    [Fact]
    public async Task Several_files_at_once_an_empty_one_a_unicode_one_and_a_hostile_name_arrive_safely()
    {
        await using var pair = await PairAsync();
        var (alice, bob) = pair;
        var paths = new[]
        {
            MakeFile("report.pdf", 3 * MiB),
            MakeFile("empty.txt", 0),
            MakeFile("Grüße 🎉 from Zürich.txt", 12_345),
            MakeFile("..\\..\\Windows\\evil\u0007\u202Etxt.exe", 1000),
            MakeFile("CON", 10),
        };
        await alice.Page.SetInputFilesAsync("#file-input", paths);
        var incoming = bob.Page.Locator("li.transfer[data-dir=in]");
        await Assertions.Expect(incoming).ToHaveCountAsync(5, new() { Timeout = Person.Patience });
        for (var i = 0; i < 5; i++)
        {
            await incoming.Nth(i).Locator("button[data-action=accept]").ClickAsync();
        }

        foreach (var path in paths)
        {
            var name = Path.GetFileName(path) switch
            {
                "CON" => "_CON",
                var n when n.Contains("evil", StringComparison.Ordinal) => "evil__txt.exe",
                var n => n,
            };
            var card = incoming.Filter(new() { Has = bob.Page.Locator(".transfer-name", new() { HasTextString = name }) });
            await Assertions.Expect(card).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Transfer });
            Assert.Equal(name, await card.Locator(".transfer-name").InnerTextAsync());
            Assert.Equal(Sha256(path), await card.GetAttributeAsync("data-sha256"));
        }

        await bob.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "files-several.png") });
        // Names never reach the server: not its database, not its logs.
        var dump = await PrivacyAndSignalTests.DumpDatabaseAsync(fixture.App!.ConnectionString);
        foreach (var secret in new[] { "report.pdf", "Grüße", "evil" })
        {
            Assert.DoesNotContain(secret, dump, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, fixture.App.AllOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Files_dropped_on_the_conversation_pasted_into_the_composer_or_picked_as_a_folder_are_offered()
    {
        await using var pair = await PairAsync();
        var (alice, bob) = pair;

        // A real drop event with files in its DataTransfer, as the browser makes one when files are dragged in.
        await alice.Page.EvaluateAsync("""
            () => {
              const data = new DataTransfer();
              data.items.add(new File(['dropped bytes'], 'dropped.txt', { type: 'text/plain' }));
              const zone = document.querySelector('.conversation');
              for (const type of ['dragenter', 'dragover', 'drop']) zone.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
            }
            """);
        await Assertions.Expect(Card(bob, "in", "dropped.txt")).ToHaveAttributeAsync("data-status", "offered", new() { Timeout = Person.Patience });

        await alice.Page.EvaluateAsync("""
            () => {
              const data = new DataTransfer();
              data.items.add(new File(['pasted bytes'], 'pasted.png', { type: 'image/png' }));
              document.querySelector('#composer-input').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
            }
            """);
        await Assertions.Expect(Card(bob, "in", "pasted.png")).ToHaveAttributeAsync("data-status", "offered", new() { Timeout = Person.Patience });

        // A folder: each file keeps its path on the sender's side; the receiver keeps only a safe name.
        var album = Directory.CreateDirectory(Path.Combine(folder, "album"));
        File.WriteAllText(Path.Combine(album.FullName, "one.txt"), "one");
        Directory.CreateDirectory(Path.Combine(album.FullName, "inner"));
        File.WriteAllText(Path.Combine(album.FullName, "inner", "two.txt"), "two");
        await alice.Page.SetInputFilesAsync("#folder-input", album.FullName);
        await Assertions.Expect(Card(alice, "out", "album/inner/two.txt")).ToBeVisibleAsync(new() { Timeout = Person.Patience });
        var two = Card(bob, "in", "two.txt");
        await Assertions.Expect(two).ToHaveAttributeAsync("data-status", "offered", new() { Timeout = Person.Patience });
        await Assertions.Expect(two.Locator(".transfer-name")).ToHaveTextAsync("two.txt");
        await two.Locator("button[data-action=accept]").ClickAsync();
        await Assertions.Expect(two).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Transfer });
    }

    [Fact]
    public async Task A_declined_file_tells_the_sender_and_nothing_moves()
    {
        await using var pair = await PairAsync();
        var (alice, bob) = pair;
        await alice.Page.SetInputFilesAsync("#file-input", MakeFile("unwanted.zip", 1 * MiB));
        var incoming = Card(bob, "in");
        await incoming.Locator("button[data-action=decline]").ClickAsync(new() { Timeout = Person.Patience });
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "declined");
        var outgoing = Card(alice, "out");
        await Assertions.Expect(outgoing).ToHaveAttributeAsync("data-status", "declined", new() { Timeout = Person.Patience });
        await Assertions.Expect(outgoing).ToContainTextAsync("They declined it.");
    }

    [Fact]
    public async Task Cancel_works_from_either_side_and_the_partial_file_is_deleted()
    {
        await using var pair = await PairAsync();
        var (alice, bob) = pair;

        // The sender withdraws an offer before it is answered.
        await alice.Page.SetInputFilesAsync("#file-input", MakeFile("first.bin", 1 * MiB));
        await Assertions.Expect(Card(bob, "in")).ToHaveAttributeAsync("data-status", "offered", new() { Timeout = Person.Patience });
        await Card(alice, "out").Locator("button[data-action=cancel]").ClickAsync();
        await Assertions.Expect(Card(bob, "in")).ToHaveAttributeAsync("data-status", "cancelled", new() { Timeout = Person.Patience });
        await Assertions.Expect(Card(bob, "in")).ToContainTextAsync("They cancelled it.");

        // The receiver stops one midway: the sender hears of it, the partial file leaves the receiver's disk.
        await PacedAsync(pair);
        await alice.Page.SetInputFilesAsync("#file-input", MakeFile("second.bin", 64 * MiB));
        var incoming = Card(bob, "in", "second.bin");
        await incoming.Locator("button[data-action=accept]").ClickAsync(new() { Timeout = Person.Patience });
        await WaitForBytesAsync(incoming, 8 * MiB);
        await incoming.Locator("button[data-action=cancel]").ClickAsync();
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "cancelled");
        var outgoing = Card(alice, "out", "second.bin");
        await Assertions.Expect(outgoing).ToHaveAttributeAsync("data-status", "cancelled", new() { Timeout = Person.Patience });
        await Assertions.Expect(outgoing).ToContainTextAsync("They cancelled it.");
        var fid = await incoming.GetAttributeAsync("data-fid");
        await WaitUntilDeletedAsync(bob, fid, "the partial file to be deleted");
    }

    [Fact]
    public async Task A_transfer_cut_near_half_resumes_from_the_last_checkpoint_and_matches()
    {
        await using var pair = await PairAsync();
        var (alice, bob) = pair;
        await PacedAsync(pair);
        var path = MakeFile("big.iso", 32 * MiB);
        await alice.Page.SetInputFilesAsync("#file-input", path);
        var incoming = Card(bob, "in");
        await incoming.Locator("button[data-action=accept]").ClickAsync(new() { Timeout = Person.Patience });
        await WaitForBytesAsync(incoming, 14 * MiB);

        // Both ends of the connection close at once, as when the network goes; the links come back by themselves.
        var bobId = await bob.Page.GetAttributeAsync("#app", "data-user-id");
        await alice.Page.EvaluateAsync("id => window.cybernetDebug.dropLinks(id)", bobId);

        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Transfer });
        Assert.Equal(Sha256(path), await incoming.GetAttributeAsync("data-sha256"));
        var resumes = (await incoming.GetAttributeAsync("data-resumes"))?.Split(',').Select(long.Parse).ToList();
        Assert.NotNull(resumes);
        // Continued from a checkpoint near the cut, not from the start.
        Assert.Contains(resumes, offset => offset >= 10 * MiB);
    }

    [Fact]
    public async Task The_receivers_tab_reloaded_mid_transfer_resumes_from_what_it_wrote()
    {
        await using var pair = await PairAsync();
        var (alice, bob) = pair;
        await PacedAsync(pair);
        var path = MakeFile("movie.mkv", 32 * MiB);
        await alice.Page.SetInputFilesAsync("#file-input", path);
        var incoming = Card(bob, "in");
        await incoming.Locator("button[data-action=accept]").ClickAsync(new() { Timeout = Person.Patience });
        await WaitForBytesAsync(incoming, 12 * MiB);

        await bob.ReloadAsync("Alice Liddell");
        incoming = Card(bob, "in");
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Transfer });
        Assert.Equal(Sha256(path), await incoming.GetAttributeAsync("data-sha256"));
        Assert.Equal(Sha256(path), await HashOnDiskAsync(bob, await incoming.GetAttributeAsync("data-fid")));
        var resumes = (await incoming.GetAttributeAsync("data-resumes"))?.Split(',').Select(long.Parse).ToList();
        Assert.NotNull(resumes);
        // What was on disk before the reload stayed: it continued from there, not from the start (12 MiB had arrived;
        // the last checkpoint written before the reload lags that by what the disk had not flushed: 7.5 MiB in a CI run).
        Assert.Contains(resumes, offset => offset >= 4 * MiB);
    }

    [Fact]
    public async Task A_file_goes_to_ones_own_other_device_without_a_second_account()
    {
        await using var laptop = await Person.SignUpAsync(fixture.Browser, fixture.Web, "me", "Mia Mobile");
        await using var phone = await laptop.SignInOnAnotherDeviceAsync(fixture.Browser, fixture.Web);
        await Assertions.Expect(laptop.Page.Locator("#contacts li.self")).ToContainTextAsync("1 other device online", new() { Timeout = Person.Patience });
        await laptop.Page.Locator("#contacts li.self").ClickAsync();
        await phone.Page.Locator("#contacts li.self").ClickAsync(new() { Timeout = Person.Patience });
        var path = MakeFile("boarding-pass.pdf", 5 * MiB);
        await laptop.Page.SetInputFilesAsync("#file-input", path);
        var incoming = Card(phone, "in");
        await incoming.Locator("button[data-action=accept]").ClickAsync(new() { Timeout = Person.Patience });
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Transfer });
        Assert.Equal(Sha256(path), await incoming.GetAttributeAsync("data-sha256"));
        await Assertions.Expect(Card(laptop, "out")).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Person.Patience });
        await phone.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "files-my-devices.png") });
    }

    [Fact]
    public async Task A_contact_on_two_devices_sees_the_offer_on_both_and_takes_it_on_one()
    {
        await using var pair = await PairAsync();
        var (alice, bob) = pair;
        await using var bobPhone = await bob.SignInOnAnotherDeviceAsync(fixture.Browser, fixture.Web);
        await bobPhone.OpenConversationAsync("Alice Liddell");
        await Assertions.Expect(alice.ContactRow("Bob Builder")).ToContainTextAsync("Online on 2 devices", new() { Timeout = Person.Patience });
        await Assertions.Expect(bobPhone.Page.Locator("#link-state")).ToHaveAttributeAsync("data-state", "direct", new() { Timeout = Person.Patience });

        var path = MakeFile("for-any-device.bin", 4 * MiB);
        await alice.Page.SetInputFilesAsync("#file-input", path);
        await Assertions.Expect(Card(bob, "in")).ToHaveAttributeAsync("data-status", "offered", new() { Timeout = Person.Patience });
        var onPhone = Card(bobPhone, "in");
        await Assertions.Expect(onPhone).ToHaveAttributeAsync("data-status", "offered", new() { Timeout = Person.Patience });
        await onPhone.Locator("button[data-action=accept]").ClickAsync();
        await Assertions.Expect(onPhone).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Transfer });
        Assert.Equal(Sha256(path), await onPhone.GetAttributeAsync("data-sha256"));
        // Taken on the phone: the laptop's copy of the offer goes away.
        await Assertions.Expect(bob.Page.Locator("li.transfer[data-dir=in]")).ToHaveCountAsync(0, new() { Timeout = Person.Patience });
    }

    [Fact]
    public async Task A_file_offered_to_an_offline_contact_is_a_count_and_size_on_the_server_and_arrives_when_both_are_online()
    {
        var (alice, bob) = await PairAsync();
        await using var _ = alice;
        await bob.DisposeAsync();
        await Assertions.Expect(alice.ContactRow("Bob Builder")).ToHaveAttributeAsync("data-presence", "offline", new() { Timeout = Person.Patience });
        var path = MakeFile("slides.key", 2 * MiB);
        await alice.Page.SetInputFilesAsync("#file-input", path);
        var outgoing = Card(alice, "out");
        await Assertions.Expect(outgoing).ToHaveAttributeAsync("data-status", "waiting", new() { Timeout = Person.Patience });
        await Assertions.Expect(outgoing).ToContainTextAsync("Waiting for Bob Builder to come online");

        await using var back = await bob.SignInOnAnotherDeviceAsync(fixture.Browser, fixture.Web);
        await back.OpenConversationAsync("Alice Liddell");
        var incoming = Card(back, "in");
        await incoming.Locator("button[data-action=accept]").ClickAsync(new() { Timeout = Person.Patience });
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Transfer });
        Assert.Equal(Sha256(path), await incoming.GetAttributeAsync("data-sha256"));
    }

    [Fact]
    public async Task Either_side_pauses_only_it_resumes_and_the_file_still_matches()
    {
        await using var pair = await PairAsync();
        var (alice, bob) = pair;
        await PacedAsync(pair);
        var path = MakeFile("paused.bin", 48 * MiB);
        await alice.Page.SetInputFilesAsync("#file-input", path);
        var incoming = Card(bob, "in");
        await incoming.Locator("button[data-action=accept]").ClickAsync(new() { Timeout = Person.Patience });
        var outgoing = Card(alice, "out");

        await WaitForBytesAsync(incoming, 6 * MiB);
        await Assertions.Expect(incoming.Locator(".transfer-status")).ToContainTextAsync("/s", new() { Timeout = Person.Patience });
        await Assertions.Expect(incoming.Locator(".transfer-status")).ToContainTextAsync("left");
        await bob.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "files-active.png") });
        await incoming.Locator("button[data-action=pause]").ClickAsync();
        await Assertions.Expect(outgoing).ToHaveAttributeAsync("data-status", "paused", new() { Timeout = Person.Patience });
        await Assertions.Expect(outgoing).ToContainTextAsync("Paused by Bob Builder");
        // Only the side that paused may resume: the sender can only cancel.
        await Assertions.Expect(outgoing.Locator("button[data-action=resume]")).ToHaveCountAsync(0);
        await incoming.Locator("button[data-action=resume]").ClickAsync();
        await Assertions.Expect(outgoing).ToHaveAttributeAsync("data-status", "active", new() { Timeout = Person.Patience });

        await WaitForBytesAsync(incoming, 20 * MiB);
        await outgoing.Locator("button[data-action=pause]").ClickAsync();
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "paused", new() { Timeout = Person.Patience });
        await Assertions.Expect(incoming).ToContainTextAsync("Paused by Alice Liddell");
        await alice.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "files-paused.png") });
        await outgoing.Locator("button[data-action=resume]").ClickAsync();

        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Transfer });
        Assert.Equal(Sha256(path), await incoming.GetAttributeAsync("data-sha256"));
    }

    [Fact]
    public async Task A_sender_that_vanishes_mid_transfer_leaves_it_waiting_and_then_says_the_file_is_gone()
    {
        await using var pair = await PairAsync();
        var (alice, bob) = pair;
        await PacedAsync(pair);
        await alice.Page.SetInputFilesAsync("#file-input", MakeFile("gone.bin", 64 * MiB));
        var incoming = Card(bob, "in");
        await incoming.Locator("button[data-action=accept]").ClickAsync(new() { Timeout = Person.Patience });
        await WaitForBytesAsync(incoming, 8 * MiB);

        await alice.Page.CloseAsync();
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "interrupted", new() { Timeout = Person.Patience });
        await Assertions.Expect(incoming).ToContainTextAsync("It resumes when Alice Liddell is back.");
        await bob.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "files-interrupted.png") });

        // Alice comes back in a new tab, which never had the file: both sides say so plainly.
        await alice.OpenNewTabAsync();
        await alice.OpenConversationAsync("Bob Builder");
        await Assertions.Expect(Card(alice, "out")).ToHaveAttributeAsync("data-status", "failed", new() { Timeout = Person.Patience });
        await Assertions.Expect(Card(alice, "out")).ToContainTextAsync("the tab that held this file was closed");
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "failed", new() { Timeout = Person.Patience });
        await Assertions.Expect(incoming).ToContainTextAsync("The sender no longer has this file");
    }

    [Fact]
    public async Task A_file_larger_than_the_receivers_free_space_is_refused_with_a_reason_on_both_sides()
    {
        await using var pair = await PairAsync();
        var (alice, bob) = pair;
        // A sparse 1 TiB file: its size is real, it takes no disk, and it is never read.
        var path = Path.Combine(folder, "whole-disk.img");
        await using (var file = File.Create(path))
        {
            file.SetLength(1L << 40);
        }

        await alice.Page.SetInputFilesAsync("#file-input", path);
        var incoming = Card(bob, "in");
        await Assertions.Expect(incoming).ToContainTextAsync("1.10 TB", new() { Timeout = Person.Patience });
        await incoming.Locator("button[data-action=accept]").ClickAsync();
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "failed");
        await Assertions.Expect(incoming).ToContainTextAsync("Not enough space on this device: it needs 1.10 TB");
        var outgoing = Card(alice, "out");
        await Assertions.Expect(outgoing).ToHaveAttributeAsync("data-status", "failed", new() { Timeout = Person.Patience });
        await Assertions.Expect(outgoing).ToContainTextAsync("their device does not have enough space for it");
    }

    [Fact]
    public async Task A_source_file_deleted_mid_transfer_stops_it_with_a_reason_on_both_sides()
    {
        await using var pair = await PairAsync();
        var (alice, bob) = pair;
        await PacedAsync(pair);
        var path = MakeFile("moved-away.bin", 64 * MiB);
        await alice.Page.SetInputFilesAsync("#file-input", path);
        var incoming = Card(bob, "in");
        await incoming.Locator("button[data-action=accept]").ClickAsync(new() { Timeout = Person.Patience });
        await WaitForBytesAsync(incoming, 8 * MiB);

        // The file goes from the sender's disk while it is being read.
        File.Delete(path);

        var outgoing = Card(alice, "out");
        await Assertions.Expect(outgoing).ToHaveAttributeAsync("data-status", "failed", new() { Timeout = Transfer });
        await Assertions.Expect(outgoing).ToContainTextAsync("Could not read the file");
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "failed", new() { Timeout = Person.Patience });
        await Assertions.Expect(incoming).ToContainTextAsync("The sender could not read the file any more");
        await WaitUntilDeletedAsync(bob, await incoming.GetAttributeAsync("data-fid"), "the partial file to be deleted");
    }

    [Fact]
    public async Task A_file_damaged_on_the_way_fails_its_hash_check_and_is_not_kept()
    {
        await using var pair = await PairAsync();
        var (alice, bob) = pair;
        await alice.Page.EvaluateAsync("() => window.cybernetDebug.tuning.corruptFirstChunk = true");
        await alice.Page.SetInputFilesAsync("#file-input", MakeFile("damaged.bin", 2 * MiB));
        var incoming = Card(bob, "in");
        await incoming.Locator("button[data-action=accept]").ClickAsync(new() { Timeout = Person.Patience });
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "failed", new() { Timeout = Transfer });
        await Assertions.Expect(incoming).ToContainTextAsync("arrived damaged");
        Assert.Null(await incoming.GetAttributeAsync("data-sha256"));
        var fid = await incoming.GetAttributeAsync("data-fid");
        await WaitUntilDeletedAsync(bob, fid, "the damaged file to be deleted");
        await Assertions.Expect(Card(alice, "out")).ToHaveAttributeAsync("data-status", "failed", new() { Timeout = Person.Patience });
        await Assertions.Expect(Card(alice, "out")).ToContainTextAsync("arrived damaged on their side");
    }

    [Fact]
    public async Task Save_to_writes_straight_into_the_chosen_file_which_gets_its_bytes_only_once_verified()
    {
        await using var pair = await PairAsync();
        var (alice, bob) = pair;
        await ChooseFilesInOpfsAsync(bob);
        await PacedAsync(pair);
        var path = MakeFile("straight.iso", 32 * MiB);
        await alice.Page.SetInputFilesAsync("#file-input", path);
        var incoming = Card(bob, "in");
        await incoming.Locator("button[data-action=saveTo]").ClickAsync(new() { Timeout = Person.Patience });
        await WaitForBytesAsync(incoming, 14 * MiB);
        // Mid-way the chosen file is still as it was: its bytes wait in the browser's swap file until verified.
        Assert.Equal(0, await ChosenSizeAsync(bob, "straight.iso"));

        // A dropped link resumes into the same open file, from the last checkpoint.
        var bobId = await bob.Page.GetAttributeAsync("#app", "data-user-id");
        await alice.Page.EvaluateAsync("id => window.cybernetDebug.dropLinks(id)", bobId);
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Transfer });
        await Assertions.Expect(Card(alice, "out")).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Person.Patience });
        await Assertions.Expect(incoming).ToContainTextAsync("Saved as straight.iso");
        var resumes = (await incoming.GetAttributeAsync("data-resumes"))?.Split(',').Select(long.Parse).ToList();
        Assert.NotNull(resumes);
        Assert.Contains(resumes, offset => offset >= 10 * MiB);
        var expected = Sha256(path);
        Assert.Equal(expected, await incoming.GetAttributeAsync("data-sha256"));
        Assert.Equal(expected, await ChosenHashAsync(bob, "straight.iso"));
        // No second copy in the app's own storage, and none counted as using its space.
        var fid = await incoming.GetAttributeAsync("data-fid");
        await WaitUntilDeletedAsync(bob, fid, "no copy in the received folder");
        Assert.Equal(string.Empty, await bob.Page.Locator("#files-usage").InnerTextAsync());
        await bob.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "files-saved-to.png") });

        // Clear takes the card off the list; the user's file stays where they put it.
        await Assertions.Expect(incoming.Locator("button[data-action=save]")).ToHaveCountAsync(0);
        await incoming.Locator("button[data-action=remove]").ClickAsync();
        await Assertions.Expect(bob.Page.Locator($"li.transfer[data-fid=\"{fid}\"]")).ToHaveCountAsync(0);
        Assert.Equal(expected, await ChosenHashAsync(bob, "straight.iso"));
    }

    [Fact]
    public async Task Save_to_with_a_reload_mid_way_starts_over_and_still_matches()
    {
        await using var pair = await PairAsync();
        var (alice, bob) = pair;
        await ChooseFilesInOpfsAsync(bob);
        await PacedAsync(pair);
        var path = MakeFile("again.bin", 32 * MiB);
        await alice.Page.SetInputFilesAsync("#file-input", path);
        var incoming = Card(bob, "in");
        await incoming.Locator("button[data-action=saveTo]").ClickAsync(new() { Timeout = Person.Patience });
        await WaitForBytesAsync(incoming, 12 * MiB);

        // The swap file goes with the page: after the reload the transfer starts over from the first byte.
        await bob.ReloadAsync("Alice Liddell");
        incoming = Card(bob, "in");
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "done", new() { Timeout = Transfer });
        Assert.Null(await incoming.GetAttributeAsync("data-resumes"));
        Assert.Equal(Sha256(path), await ChosenHashAsync(bob, "again.bin"));
    }

    [Fact]
    public async Task Save_to_a_file_damaged_on_the_way_writes_nothing_into_the_chosen_file()
    {
        await using var pair = await PairAsync();
        var (alice, bob) = pair;
        await ChooseFilesInOpfsAsync(bob);
        // The chosen file holds something already (the browser's own dialog empties a file it replaces; this one
        // shows that no received byte is written into it).
        await bob.Page.EvaluateAsync(
            """
            async () => {
              const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('chosen', { create: true });
              const w = await (await dir.getFileHandle('report.pdf', { create: true })).createWritable();
              await w.write('the old report');
              await w.close();
            }
            """);
        await alice.Page.EvaluateAsync("() => window.cybernetDebug.tuning.corruptFirstChunk = true");
        await alice.Page.SetInputFilesAsync("#file-input", MakeFile("report.pdf", 20 * MiB));
        var incoming = Card(bob, "in");
        // The offer's three answers fit a phone-sized screen.
        await bob.Page.SetViewportSizeAsync(360, 740);
        await Assertions.Expect(incoming.Locator("button[data-action=saveTo]")).ToBeInViewportAsync(new() { Timeout = Person.Patience });
        // What choosing a file trades, said where the choice is made.
        await Assertions.Expect(incoming.Locator("button[data-action=saveTo]")).ToHaveAttributeAsync("title", new Regex("Reloading this page before it is done starts it over"));
        Assert.True(await bob.Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 360"), "nothing overflows 360 px");
        await bob.Page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDir, "files-offer-360.png") });
        await incoming.Locator("button[data-action=saveTo]").ClickAsync(new() { Timeout = Person.Patience });
        await Assertions.Expect(incoming).ToHaveAttributeAsync("data-status", "failed", new() { Timeout = Transfer });
        await Assertions.Expect(incoming).ToContainTextAsync("arrived damaged");
        await Assertions.Expect(incoming).ToContainTextAsync("nothing of it was written into report.pdf");
        Assert.Equal("the old report", await bob.Page.EvaluateAsync<string>(
            "async () => (await (await (await (await navigator.storage.getDirectory()).getDirectoryHandle('chosen')).getFileHandle('report.pdf')).getFile()).text()"));
    }

    /// <summary>Two contacts with each other's conversation open and a direct link; disposing closes both browsers' contexts.</summary>
    private sealed record Pair(Person Alice, Person Bob) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Alice.DisposeAsync();
            await Bob.DisposeAsync();
        }
    }

    private async Task<Pair> PairAsync()
    {
        var alice = await Person.SignUpAsync(fixture.Browser, fixture.Web, "alice", "Alice Liddell");
        var bob = await Person.SignUpAsync(fixture.Browser, fixture.Web, "bob", "Bob Builder");
        await alice.BefriendAsync(bob);
        await alice.OpenConversationAsync("Bob Builder");
        await bob.OpenConversationAsync("Alice Liddell");
        await Assertions.Expect(alice.Page.Locator("#link-state")).ToHaveAttributeAsync("data-state", "direct", new() { Timeout = Person.Patience });
        return new Pair(alice, bob);
    }

    /// <summary>
    /// A test that acts mid-transfer: the sender paces itself to 8 MiB/s and the receiver checkpoints every MiB (8 in the
    /// app), so a file of a few dozen MiB leaves seconds to act on a machine of any speed and resumes near where it was.
    /// </summary>
    private static async Task<Pair> PacedAsync(Pair pair)
    {
        await pair.Alice.Page.EvaluateAsync("() => window.cybernetDebug.tuning.paceBytesPerSecond = 8 * 1024 * 1024");
        await pair.Bob.Page.EvaluateAsync("() => window.cybernetDebug.tuning.checkpointBytes = 1024 * 1024");
        return pair;
    }

    private static ILocator Card(Person person, string dir, string? name = null)
    {
        var cards = person.Page.Locator($"li.transfer[data-dir={dir}]");
        return name is null ? cards.Last : cards.Filter(new() { HasTextString = name });
    }

    private string MakeFile(string name, int bytes)
    {
        var path = Path.Combine(folder, name);
        var data = new byte[bytes];
        Random.Shared.NextBytes(data);
        File.WriteAllBytes(path, data);
        return path;
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Waits until the card's transfer has moved this many bytes (cards are redrawn, so it is found by id each time).</summary>
    private static async Task WaitForBytesAsync(ILocator card, long bytes)
    {
        var fid = await card.GetAttributeAsync("data-fid");
        await card.Page.WaitForFunctionAsync(
            "([fid, n]) => Number(document.querySelector(`li.transfer[data-fid=\"${fid}\"]`)?.dataset.bytes ?? 0) >= n",
            new object[] { fid!, bytes },
            new() { Timeout = Transfer, PollingInterval = 50 });
    }

    private static async Task WaitForAsync(Person person, string predicate, string what)
    {
        try
        {
            await person.Page.WaitForFunctionAsync(predicate, null, new() { Timeout = Person.Patience, PollingInterval = 100 });
        }
        catch (TimeoutException error)
        {
            throw new TimeoutException($"Waited in vain for {what}.", error);
        }
    }

    /// <summary>Waits until the received folder of the person's browser no longer holds the transfer's file.</summary>
    private static Task WaitUntilDeletedAsync(Person person, string? fid, string what) =>
        WaitForAsync(person, $"async () => {{ try {{ await (await (await navigator.storage.getDirectory()).getDirectoryHandle('received')).getFileHandle('{fid}'); return false; }} catch {{ return true; }} }}", what);

    /// <summary>
    /// "Save to…" answered as a user would in the save dialog, with a file of the origin-private file system in the
    /// "chosen" folder (headless Chromium cannot answer the native dialog; the writing path is the same).
    /// </summary>
    private static Task ChooseFilesInOpfsAsync(Person person) =>
        person.Page.EvaluateAsync(
            """
            () => window.cybernetDebug.saveTarget = async name =>
              (await (await navigator.storage.getDirectory()).getDirectoryHandle('chosen', { create: true })).getFileHandle(name, { create: true })
            """);

    private static Task<long> ChosenSizeAsync(Person person, string name) =>
        person.Page.EvaluateAsync<long>(
            "async name => (await (await (await (await navigator.storage.getDirectory()).getDirectoryHandle('chosen')).getFileHandle(name)).getFile()).size", name);

    private static Task<string> ChosenHashAsync(Person person, string name) =>
        person.Page.EvaluateAsync<string>(
            """
            async name => {
              const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('chosen');
              const file = await (await dir.getFileHandle(name)).getFile();
              const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
              return [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join('');
            }
            """, name);

    private static async Task<string> HashOnDiskAsync(Person person, string? fid) =>
        await person.Page.EvaluateAsync<string>(
            """
            async fid => {
              const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('received');
              const file = await (await dir.getFileHandle(fid)).getFile();
              const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
              return [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join('');
            }
            """, fid);
}
