using System.Net;
using Npgsql;

namespace Cybernet.Web.Tests;

[Collection(ClusterCollection.Name)]
public sealed class AccountsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_against_the_right_one()
    {
        await using var owner = await TestUser.SignUpAsync(fixture.Web1);
        await using var attacker = TestUser.Anonymous(fixture.Web1);

        for (var i = 0; i < 5; i++)
        {
            var wrong = await attacker.PostFormAsync("/Account/SignIn", new() { ["Input.Login"] = owner.UserName, ["Input.Password"] = $"wrong guess {i}" });
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        var right = await attacker.PostFormAsync("/Account/SignIn", new() { ["Input.Login"] = owner.UserName, ["Input.Password"] = TestUser.Password });
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("locked", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Weak_passwords_and_taken_usernames_are_refused_with_reasons()
    {
        await using var taken = await TestUser.SignUpAsync(fixture.Web1);
        await using var visitor = TestUser.Anonymous(fixture.Web1);

        var weak = await visitor.PostFormAsync("/Account/SignUp", new()
        {
            ["Input.UserName"] = TestUser.NewName("weak"),
            ["Input.DisplayName"] = "Weak",
            ["Input.Email"] = "weak@example.test",
            ["Input.Password"] = "abcdefghij",
        });
        Assert.Contains("at least one digit", await weak.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var duplicate = await visitor.PostFormAsync("/Account/SignUp", new()
        {
            ["Input.UserName"] = taken.UserName,
            ["Input.DisplayName"] = "Copy",
            ["Input.Email"] = "copy@example.test",
            ["Input.Password"] = TestUser.Password,
        });
        Assert.Contains("That username is taken", await duplicate.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_web_nodes_starting_at_once_on_an_empty_database_both_migrate_and_serve()
    {
        await using var fresh = await AppCluster.StartAsync(silos: 1, webs: 0);
        var nodes = await Task.WhenAll(fresh.AddWebAsync("web-a"), fresh.AddWebAsync("web-b"));

        await using var db = new NpgsqlConnection(fresh.ConnectionString);
        await db.OpenAsync();
        await using var cmd = new NpgsqlCommand("select count(*) from accounts.\"__accounts_migrations\"", db);
        Assert.Equal(3L, (long)(await cmd.ExecuteScalarAsync())!); // Identity, the key ring, the notify schema
        await using var user = await TestUser.SignUpAsync(nodes[1].BaseAddress);
        Assert.NotEqual(Guid.Empty, user.Id);
    }
}
