using System.Net;

namespace Cybernet.Web.Tests;

/// <summary>The Hangfire dashboard is for the administrator role only.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AdministrationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Only_administrators_see_the_jobs_dashboard()
    {
        await using var anonymous = TestUser.Anonymous(fixture.Web1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/admin/jobs")).StatusCode);

        await using var user = await TestUser.SignUpAsync(fixture.Web1);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/admin/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/admin/jobs/recurring")).StatusCode);

        await using var admin = await TestUser.SignUpAsync(fixture.Web2, ClusterFixture.AdministratorName);
        var recurring = await admin.GetAsync("/admin/jobs/recurring");
        Assert.Equal(HttpStatusCode.OK, recurring.StatusCode);
        Assert.Contains("digest-pass", await recurring.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
