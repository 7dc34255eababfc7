using Microsoft.Playwright;

namespace Milvus.Akka.Proxy.Tests.WebConsole;

/// <summary>
/// The console in a real headless browser: Debian's chromium (<c>apt-get install chromium</c>) driven by Playwright, whose
/// bundled driver needs no download. An anonymous visitor is refused; root sees a collection created through gRPC, and
/// the page follows inserts (row count, request rate) without being reloaded.
/// </summary>
[Collection(ConsoleNodeFixture.Name)]
public sealed class ConsoleBrowserTests(ConsoleNodeFixture fixture)
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_page_refuses_an_anonymous_visitor_and_shows_root_a_collection_that_follows_inserts()
    {
        Assert.True(File.Exists(Chromium), $"the browser test needs Debian's chromium at {Chromium}: apt-get install -y chromium");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Tests run as root in containers, where chromium's sandbox cannot start.
            Args = ["--no-sandbox"],
        });
        var page = new Uri(fixture.ConsoleBase, "/console/").ToString();

        await using (var anonymous = await browser.NewContextAsync())
        {
            // The server's 401 asks for credentials; a headless browser without any gives up on the page.
            var refused = await Assert.ThrowsAsync<PlaywrightException>(async () => await (await anonymous.NewPageAsync()).GotoAsync(page));
            Assert.Contains("ERR_INVALID_AUTH_CREDENTIALS", refused.Message);
            Assert.Equal(401, (await anonymous.APIRequest.GetAsync(page)).Status);
        }

        const string collection = "browser_books";
        await fixture.Node.CreateLoadedCollectionAsync(collection, ConsoleNodeFixture.Dim, ConsoleNodeFixture.Root);
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            HttpCredentials = new HttpCredentials { Username = "root", Password = ConsoleNodeFixture.RootPassword },
            ViewportSize = new ViewportSize { Width = 1400, Height = 1100 },
        });
        var tab = await context.NewPageAsync();
        var consoleErrors = new List<string>();
        tab.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add($"{message.Text} ({message.Location})");
            }
        };
        Assert.Equal(200, (await tab.GotoAsync(page))!.Status);
        // A reload would drop this mark.
        await tab.EvaluateAsync("() => { window.loadedOnce = true; }");

        var row = tab.Locator($"tr[data-collection='default.{collection}']");
        var rows = row.Locator("td.rows");
        await Assertions.Expect(rows).ToHaveTextAsync("0", new() { Timeout = (float)Patience.TotalMilliseconds });
        await Assertions.Expect(row).ToContainTextAsync("Loaded");
        await Assertions.Expect(tab.Locator("#members")).ToContainTextAsync("proxy");
        await Assertions.Expect(tab.Locator("#status")).ToContainTextAsync("live");

        // Insert until the page has shown a second with requests: each second of traffic is a sample it draws. At least
        // once: the second of the collection's creation may be the one the page shows first.
        var inserted = 0;
        var deadline = DateTime.UtcNow + Patience;
        do
        {
            Assert.True(DateTime.UtcNow < deadline, $"the page showed no requests per second within {Patience.TotalSeconds} s of inserting");
            await fixture.InsertAsync(collection, 10);
            inserted += 10;
            await Task.Delay(250);
        }
        while (await tab.Locator("#qps-now").TextContentAsync() == "0");

        await Assertions.Expect(rows).ToHaveTextAsync(inserted.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
            new() { Timeout = (float)Patience.TotalMilliseconds });
        await Assertions.Expect(tab.Locator("#slow-requests")).ToContainTextAsync($"default.{collection}");
        await tab.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "console-screenshot.png"), FullPage = true });
        Assert.True(await tab.EvaluateAsync<bool>("() => window.loadedOnce === true"), "the page was reloaded");
        Assert.True(consoleErrors.Count == 0, "the page logged errors: " + string.Join("; ", consoleErrors));
    }
}
